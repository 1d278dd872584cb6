package com.strongroom.audit;

import com.strongroom.crypto.Hkdf;
import com.strongroom.keys.KeyDestroyedException;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealedException;
import com.strongroom.keys.VersionedKey;
import java.util.Optional;

/**
 * Chain keys derived from the HSM-protected "audit" DEK: without the customer's KEK nobody, not
 * even someone with write access to the database, can forge a valid chain.
 */
public final class AuditKeys {
    static final String PURPOSE = "audit";
    private static final byte[] SALT = new byte[0];
    private static final String INFO = "strongroom/audit-chain/v1";

    private final KeyManager keys;

    public AuditKeys(KeyManager keys) {
        this.keys = keys;
    }

    public record ChainKey(int version, byte[] key) {}

    /** The key for new entries, or empty while sealed (entries then wait, unchained). */
    public Optional<ChainKey> current() {
        if (!keys.keysAvailable()) {
            return Optional.empty();
        }
        try {
            VersionedKey dek = keys.primary(PURPOSE);
            return Optional.of(new ChainKey(dek.version(), derive(dek.key().bytes())));
        } catch (SealedException e) {
            return Optional.empty();
        }
    }

    public byte[] forVersion(int version) throws KeyDestroyedException {
        return derive(keys.key(PURPOSE, version).bytes());
    }

    private static byte[] derive(byte[] dek) {
        return Hkdf.derive(dek, SALT, INFO, 32);
    }
}
