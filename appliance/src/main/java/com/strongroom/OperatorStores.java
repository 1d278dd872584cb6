package com.strongroom;

import com.strongroom.config.StrongroomConfig;
import com.strongroom.keys.PinSource;
import com.strongroom.keys.Pkcs11Hsm;
import com.strongroom.store.H2Database;
import java.sql.SQLException;

/** What the service and the operator CLI open the same way. */
public final class OperatorStores {
    private OperatorStores() {}

    public static H2Database openKeyring(StrongroomConfig config) throws SQLException {
        return H2Database.open(config.keyringFile(), "db/keyring", true, null);
    }

    public static Pkcs11Hsm.Settings hsmSettings(StrongroomConfig config) {
        StrongroomConfig.Hsm hsm = config.hsm();
        PinSource pin = hsm.pinCredential() != null
                ? PinSource.systemdCredential(hsm.pinCredential(), System.getenv("CREDENTIALS_DIRECTORY"))
                : new PinSource(hsm.pinFile());
        return new Pkcs11Hsm.Settings(hsm.module().toString(), hsm.tokenLabel(), pin);
    }
}
