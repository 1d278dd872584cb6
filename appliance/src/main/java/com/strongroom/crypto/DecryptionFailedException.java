package com.strongroom.crypto;

/** Data could not be authenticated or decrypted. Deliberately carries no detail. */
public final class DecryptionFailedException extends Exception {
    public DecryptionFailedException() {
        super("decryption failed: data is corrupt, was tampered with, or its key is gone");
    }
}
