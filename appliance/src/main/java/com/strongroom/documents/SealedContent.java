package com.strongroom.documents;

import com.strongroom.crypto.Aead;
import com.strongroom.crypto.DecryptionFailedException;
import com.strongroom.crypto.Drbg;
import com.strongroom.crypto.Hkdf;
import com.strongroom.crypto.SecretKeyBytes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An uploaded original, encrypted under the dataset's DEK: salt (32) || AES-256-GCM(key, content),
 * key = HKDF(DEK, salt, "strongroom/document/v1"), the document id as associated data so a blob
 * moved to another row fails to decrypt.
 */
public final class SealedContent {
    private static final int SALT_BYTES = 32;
    private static final String INFO = "strongroom/document/v1";

    private SealedContent() {}

    public static byte[] seal(SecretKeyBytes dek, String documentId, byte[] content) {
        byte[] salt = Drbg.bytes(SALT_BYTES);
        byte[] key = Hkdf.derive(dek.bytes(), salt, INFO, 32);
        try {
            byte[] sealed = Aead.encrypt(key, content, documentId.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(SALT_BYTES + sealed.length)
                    .put(salt)
                    .put(sealed)
                    .array();
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    public static byte[] open(SecretKeyBytes dek, String documentId, byte[] stored) throws DecryptionFailedException {
        if (stored.length < SALT_BYTES) {
            throw new DecryptionFailedException();
        }
        byte[] salt = Arrays.copyOf(stored, SALT_BYTES);
        byte[] key = Hkdf.derive(dek.bytes(), salt, INFO, 32);
        try {
            return Aead.decrypt(
                    key,
                    Arrays.copyOfRange(stored, SALT_BYTES, stored.length),
                    documentId.getBytes(StandardCharsets.UTF_8));
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }
}
