package com.strongroom.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A blob encrypted under a DEK: salt (32) || AES-256-GCM(key, content), key = HKDF(DEK, salt,
 * label). The associated data (e.g. the owning row's id) binds the blob to its place, so a blob
 * moved to another row fails to decrypt.
 */
public final class SealedBlob {
    private static final int SALT_BYTES = 32;

    private SealedBlob() {}

    public static byte[] seal(SecretKeyBytes dek, String label, String associatedData, byte[] content) {
        byte[] salt = Drbg.bytes(SALT_BYTES);
        byte[] key = Hkdf.derive(dek.bytes(), salt, label, 32);
        try {
            byte[] sealed = Aead.encrypt(key, content, associatedData.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(SALT_BYTES + sealed.length)
                    .put(salt)
                    .put(sealed)
                    .array();
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    public static byte[] open(SecretKeyBytes dek, String label, String associatedData, byte[] stored)
            throws DecryptionFailedException {
        if (stored.length < SALT_BYTES) {
            throw new DecryptionFailedException();
        }
        byte[] salt = Arrays.copyOf(stored, SALT_BYTES);
        byte[] key = Hkdf.derive(dek.bytes(), salt, label, 32);
        try {
            return Aead.decrypt(
                    key,
                    Arrays.copyOfRange(stored, SALT_BYTES, stored.length),
                    associatedData.getBytes(StandardCharsets.UTF_8));
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }
}
