package com.strongroom.crypto;

import java.util.Arrays;

/**
 * Raw key bytes held in memory while the appliance is unsealed. {@link #destroy()} zeroes them;
 * any later use fails instead of silently using a zeroed key.
 */
public final class SecretKeyBytes implements AutoCloseable {
    private final byte[] bytes;
    private volatile boolean destroyed;

    private SecretKeyBytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Takes ownership of {@code bytes}: the caller must not keep or reuse the array. */
    public static SecretKeyBytes adopt(byte[] bytes) {
        return new SecretKeyBytes(bytes);
    }

    public static SecretKeyBytes random(int length) {
        return new SecretKeyBytes(Drbg.bytes(length));
    }

    /** The live key bytes; never log, copy into long-lived fields, or send them anywhere. */
    public byte[] bytes() {
        if (destroyed) {
            throw new IllegalStateException("key has been destroyed (appliance sealed or key shredded)");
        }
        return bytes;
    }

    public boolean isDestroyed() {
        return destroyed;
    }

    public void destroy() {
        destroyed = true;
        Arrays.fill(bytes, (byte) 0);
    }

    @Override
    public void close() {
        destroy();
    }

    @Override
    public String toString() {
        return destroyed ? "SecretKeyBytes[destroyed]" : "SecretKeyBytes[" + bytes.length + " bytes]";
    }
}
