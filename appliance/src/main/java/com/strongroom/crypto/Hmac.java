package com.strongroom.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 through BC-FIPS. */
public final class Hmac {
    private Hmac() {}

    public static Mac sha256(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256", Fips.provider());
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    public static byte[] sha256(byte[] key, byte[]... parts) {
        Mac mac = sha256(key);
        for (byte[] part : parts) {
            mac.update(part);
        }
        return mac.doFinal();
    }
}
