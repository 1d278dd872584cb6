package com.strongroom.crypto;

import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.KDFCalculator;
import org.bouncycastle.crypto.fips.FipsKDF;

/** HKDF-SHA256 (RFC 5869) through BC-FIPS. */
public final class Hkdf {
    private Hkdf() {}

    public static byte[] derive(byte[] inputKey, byte[] salt, String info, int length) {
        return derive(inputKey, salt, info.getBytes(StandardCharsets.UTF_8), length);
    }

    public static byte[] derive(byte[] inputKey, byte[] salt, byte[] info, int length) {
        Fips.provider();
        byte[] prk = FipsKDF.HKDF_KEY_BUILDER
                .withPrf(FipsKDF.AgreementKDFPRF.SHA256_HMAC)
                .withSalt(salt)
                .build(inputKey)
                .getKey();
        try {
            KDFCalculator<FipsKDF.AgreementKDFParameters> kdf = new FipsKDF.AgreementOperatorFactory()
                    .createKDFCalculator(FipsKDF.HKDF
                            .withPRF(FipsKDF.AgreementKDFPRF.SHA256_HMAC)
                            .using(prk)
                            .withIV(info));
            byte[] out = new byte[length];
            kdf.generateBytes(out);
            return out;
        } finally {
            java.util.Arrays.fill(prk, (byte) 0);
        }
    }
}
