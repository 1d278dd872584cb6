package com.strongroom.auth;

import com.strongroom.crypto.Drbg;

/** Type-prefixed random ids (`org_…`, `key_…`) and key secrets, in base62. */
public final class Ids {
    private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    private Ids() {}

    public static String create(String prefix) {
        return prefix + "_" + base62(16);
    }

    static String base62(int randomBytes) {
        byte[] raw = Drbg.bytes(randomBytes);
        java.math.BigInteger n = new java.math.BigInteger(1, raw);
        StringBuilder sb = new StringBuilder();
        java.math.BigInteger base = java.math.BigInteger.valueOf(62);
        int digits = (int) Math.ceil(randomBytes * 8 / (Math.log(62) / Math.log(2)));
        for (int i = 0; i < digits; i++) {
            java.math.BigInteger[] qr = n.divideAndRemainder(base);
            sb.append(BASE62[qr[1].intValue()]);
            n = qr[0];
        }
        java.util.Arrays.fill(raw, (byte) 0);
        return sb.toString();
    }
}
