package com.strongroom.index;

import com.strongroom.crypto.Fips;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.apache.lucene.util.BitUtil;

/**
 * AES-256-GCM over one page, in place. Nonce = page index (the per-file key is fresh and files are
 * write-once, so a (key, nonce) pair never repeats). AAD = file name || page index || last-page flag
 * || plaintext length, so a page cannot be moved to another position, another file, or become the
 * end of a truncated file.
 *
 * <p>One instance per thread: {@code Cipher.getInstance} costs ~25 µs under BC-FIPS and a cipher
 * is not thread-safe, while re-initialising it costs ~4 µs, once per page rather than per seek.
 */
final class PageCipher {
    static final int TAG_BYTES = 16;
    private static final int NONCE_BYTES = 12;
    private static final ThreadLocal<PageCipher> LOCAL = ThreadLocal.withInitial(PageCipher::new);

    private final Cipher cipher;
    private final byte[] nonce = new byte[NONCE_BYTES];
    private final byte[] position = new byte[Long.BYTES + 1 + Integer.BYTES];
    /** Ciphertext in, plaintext out, for the page being decrypted by this thread. */
    private final byte[] buffer = new byte[EncryptedDirectory.MAX_PAGE_SIZE + TAG_BYTES];

    private PageCipher() {
        try {
            cipher = Cipher.getInstance("AES/GCM/NoPadding", Fips.provider());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    static PageCipher get() {
        return LOCAL.get();
    }

    byte[] buffer() {
        return buffer;
    }

    /** Encrypts {@code buf[0, length)} in place and appends the tag; returns the ciphertext length. */
    int seal(SecretKey key, byte[] name, long index, boolean last, byte[] buf, int length) {
        try {
            init(Cipher.ENCRYPT_MODE, key, name, index, last, length);
            return cipher.doFinal(buf, 0, length, buf, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /** Decrypts {@code buf[0, length + TAG_BYTES)} in place; false when it does not authenticate. */
    boolean open(SecretKey key, byte[] name, long index, boolean last, byte[] buf, int length) {
        try {
            init(Cipher.DECRYPT_MODE, key, name, index, last, length);
            cipher.doFinal(buf, 0, length + TAG_BYTES, buf, 0);
            return true;
        } catch (AEADBadTagException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    private void init(int mode, SecretKey key, byte[] name, long index, boolean last, int length)
            throws GeneralSecurityException {
        BitUtil.VH_BE_LONG.set(nonce, NONCE_BYTES - Long.BYTES, index);
        cipher.init(mode, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
        BitUtil.VH_BE_LONG.set(position, 0, index);
        position[Long.BYTES] = (byte) (last ? 1 : 0);
        BitUtil.VH_BE_INT.set(position, Long.BYTES + 1, length);
        cipher.updateAAD(name);
        cipher.updateAAD(position);
    }
}
