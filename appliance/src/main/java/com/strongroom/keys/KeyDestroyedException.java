package com.strongroom.keys;

/** The DEK version was crypto-shredded: whatever it protected can never be read again. */
public final class KeyDestroyedException extends Exception {
    public KeyDestroyedException(String purpose, int version) {
        super("key " + purpose + " v" + version + " was destroyed; data under it is unrecoverable");
    }
}
