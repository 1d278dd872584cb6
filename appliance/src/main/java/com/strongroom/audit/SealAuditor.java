package com.strongroom.audit;

import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealListener;

/** Puts every seal, unseal and failed unseal into the audit trail. */
public final class SealAuditor implements SealListener {
    private final AuditLog audit;

    public SealAuditor(AuditLog audit) {
        this.audit = audit;
    }

    @Override
    public void keyringInitialised(KeyManager keys, String kekLabel) {
        audit.record(AuditEvent.system(
                "keys.init",
                "kek:" + kekLabel,
                AuditEvent.Outcome.SUCCESS,
                "data keys created for " + String.join(", ", KeyManager.SYSTEM_PURPOSES)));
    }

    @Override
    public void afterUnseal(KeyManager keys) {
        audit.record(AuditEvent.system("keys.unseal", "kek", AuditEvent.Outcome.SUCCESS, null));
    }

    @Override
    public void beforeSeal(KeyManager keys, String reason) {
        audit.record(AuditEvent.system("keys.seal", "kek", AuditEvent.Outcome.SUCCESS, reason));
    }

    @Override
    public void unsealFailed(KeyManager keys, String reason) {
        audit.record(AuditEvent.system("keys.unseal", "kek", AuditEvent.Outcome.FAILURE, reason));
    }
}
