package com.strongroom.cli;

import com.strongroom.OperatorStores;
import com.strongroom.audit.AuditEvent;
import com.strongroom.audit.AuditKeys;
import com.strongroom.audit.ChainedAuditLog;
import com.strongroom.config.StrongroomConfig;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.Keyring;
import com.strongroom.keys.SealListener;
import com.strongroom.store.H2Database;
import java.sql.SQLException;

/**
 * What an operator command works with: the keyring (shared with a running appliance through H2's
 * loopback auto-server), its own HSM session, and the audit chain its actions are recorded in.
 */
final class OperatorSession implements AutoCloseable {
    final StrongroomConfig config;
    final H2Database keyringDb;
    final KeyManager keys;
    final AuditKeys auditKeys;
    final ChainedAuditLog audit;

    OperatorSession(StrongroomConfig config) throws SQLException {
        this.config = config;
        this.keyringDb = OperatorStores.openKeyring(config);
        this.keys = KeyManager.create(new Keyring(keyringDb), OperatorStores.hsmSettings(config));
        this.auditKeys = new AuditKeys(keys);
        this.audit = new ChainedAuditLog(keyringDb, auditKeys);
        keys.addListener(audit);
        keys.addListener(new SealListener() {
            @Override
            public void keyringInitialised(KeyManager km, String kekLabel) {
                record(
                        "keys.init",
                        "kek:" + kekLabel,
                        AuditEvent.Outcome.SUCCESS,
                        "data keys created for " + String.join(", ", KeyManager.SYSTEM_PURPOSES));
            }
        });
    }

    void unsealOrFail() {
        if (!keys.unseal()) {
            throw new IllegalStateException("cannot reach the keys: " + keys.sealedReason());
        }
    }

    void record(String action, String target, AuditEvent.Outcome outcome, String detail) {
        audit.record(AuditEvent.operator(action, target, outcome, detail));
    }

    @Override
    public void close() {
        keys.close();
        keyringDb.close();
    }
}
