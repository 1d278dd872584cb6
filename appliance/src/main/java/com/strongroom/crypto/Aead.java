package com.strongroom.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM with a random 96-bit nonce. Layout: nonce (12) || ciphertext || tag (16). Every
 * failure to decrypt surfaces as one {@link DecryptionFailedException} with no detail that would
 * help an attacker tell the cases apart.
 */
public final class Aead {
    public static final int NONCE_BYTES = 12;
    public static final int TAG_BYTES = 16;

    private Aead() {}

    public static byte[] encrypt(byte[] key, byte[] plaintext, byte[] associatedData) {
        byte[] nonce = Drbg.bytes(NONCE_BYTES);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding", Fips.provider());
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            cipher.updateAAD(associatedData);
            ByteBuffer out = ByteBuffer.allocate(NONCE_BYTES + plaintext.length + TAG_BYTES);
            out.put(nonce);
            cipher.doFinal(ByteBuffer.wrap(plaintext), out);
            return out.array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    public static byte[] decrypt(byte[] key, byte[] sealed, byte[] associatedData) throws DecryptionFailedException {
        if (sealed.length < NONCE_BYTES + TAG_BYTES) {
            throw new DecryptionFailedException();
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding", Fips.provider());
            cipher.init(
                    Cipher.DECRYPT_MODE,
                    new SecretKeySpec(key, "AES"),
                    new GCMParameterSpec(128, sealed, 0, NONCE_BYTES));
            cipher.updateAAD(associatedData);
            return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new DecryptionFailedException();
        } catch (GeneralSecurityException e) {
            throw new DecryptionFailedException();
        }
    }
}
