package com.strongroom.backup;

import com.strongroom.keys.KeyManager;
import com.strongroom.keys.Keyring;
import com.strongroom.keys.Pkcs11Hsm;
import com.strongroom.store.H2Database;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;

/**
 * A keyring rebuilt from a target's newest key manifest, unsealed with the customer's KEK. Without
 * the HSM the manifest's wrapped keys are useless: this is where an attacker holding only the
 * bucket stops. The manifest's MAC is checked with the backup key it carries, once the HSM has
 * unwrapped that key, so a manifest not made by this appliance is refused.
 */
final class RestoredKeys implements AutoCloseable {
    final H2Database keyringDb;
    final KeyManager keys;
    final KeyManifest manifest;
    final String manifestName;

    private RestoredKeys(H2Database keyringDb, KeyManager keys, KeyManifest manifest, String manifestName) {
        this.keyringDb = keyringDb;
        this.keys = keys;
        this.manifest = manifest;
        this.manifestName = manifestName;
    }

    /** From the newest key manifest: the only one a restore may use (older ones may hold shredded keys). */
    static RestoredKeys open(BackupTarget target, Path keyringFile, Pkcs11Hsm.Settings hsm)
            throws IOException, CorruptBackupException, SQLException {
        String name = BackupCatalog.newestKeyManifest(target)
                .orElseThrow(() -> new IOException("target " + target.name() + " holds no key manifest (keys/):"
                        + " nothing was ever backed up there, or it is not a Strongroom target"));
        return open(target, keyringFile, hsm, name);
    }

    static RestoredKeys open(BackupTarget target, Path keyringFile, Pkcs11Hsm.Settings hsm, String name)
            throws IOException, CorruptBackupException, SQLException {
        byte[] stored = target.get(name).orElseThrow(() -> new CorruptBackupException(name, "is missing"));
        KeyManifest unverified = KeyManifest.fromJson(name, bodyOf(stored));
        H2Database db = H2Database.open(keyringFile, "db/keyring", false, null);
        KeyManager keys;
        try {
            new Keyring(db).importRecords(unverified.keks(), unverified.deks());
            keys = KeyManager.create(new Keyring(db), hsm);
        } catch (SQLException | RuntimeException e) {
            db.close();
            throw e;
        }
        try {
            if (!keys.unseal()) {
                throw new IOException("cannot unwrap the keys of " + name + " with the HSM (another HSM or KEK,"
                        + " or the manifest is damaged): " + keys.sealedReason());
            }
            KeyManifest verified = KeyManifest.fromJson(name, new BackupCrypto(keys).checkMac(name, stored));
            return new RestoredKeys(db, keys, verified, name);
        } catch (IOException | CorruptBackupException | RuntimeException e) {
            keys.close();
            db.close();
            throw e;
        }
    }

    private static byte[] bodyOf(byte[] stored) {
        for (int i = 0; i < stored.length; i++) {
            if (stored[i] == '\n') {
                return java.util.Arrays.copyOfRange(stored, i + 1, stored.length);
            }
        }
        return stored;
    }

    @Override
    public void close() {
        keys.close();
        keyringDb.close();
    }
}
