package com.strongroom;

import com.strongroom.config.StrongroomConfig;
import com.strongroom.keys.PinSource;
import com.strongroom.keys.Pkcs11Hsm;
import com.strongroom.store.H2Database;
import com.strongroom.store.LocalPassword;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Arrays;

/** What the service and the operator CLI open the same way. */
public final class OperatorStores {
    private OperatorStores() {}

    /**
     * The keyring, shared by the service and the CLI through H2's auto-server: loopback only, and
     * only with the password in {@code keyring/keyring.password} (0600, made on first open).
     */
    public static H2Database openKeyring(StrongroomConfig config) throws SQLException {
        Path passwordFile = config.keyringFile().resolveSibling("keyring.password");
        char[] password;
        try {
            password = LocalPassword.loadOrCreate(passwordFile);
        } catch (IOException e) {
            throw new SQLException("cannot read the keyring password: " + e.getMessage(), e);
        }
        try {
            return H2Database.openShared(config.keyringFile(), "db/keyring", password);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    public static Pkcs11Hsm.Settings hsmSettings(StrongroomConfig config) {
        StrongroomConfig.Hsm hsm = config.hsm();
        PinSource pin = hsm.pinCredential() != null
                ? PinSource.systemdCredential(hsm.pinCredential(), System.getenv("CREDENTIALS_DIRECTORY"))
                : new PinSource(hsm.pinFile());
        return new Pkcs11Hsm.Settings(hsm.module().toString(), hsm.tokenLabel(), pin);
    }
}
