package com.strongroom.crypto;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/** The BC-FIPS approved DRBG: the only source of key material and nonces in the appliance. */
public final class Drbg {
    private static final SecureRandom RANDOM = create();

    private Drbg() {}

    private static SecureRandom create() {
        try {
            return SecureRandom.getInstance("DEFAULT", Fips.provider());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("BC-FIPS DRBG unavailable", e);
        }
    }

    public static byte[] bytes(int length) {
        byte[] out = new byte[length];
        RANDOM.nextBytes(out);
        return out;
    }

    public static SecureRandom secureRandom() {
        return RANDOM;
    }
}
