package com.strongroom.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.bouncycastle.crypto.CryptoServicesRegistrar;
import org.junit.jupiter.api.Test;

class CryptoTest {
    private static final byte[] AAD = "ctx".getBytes(StandardCharsets.UTF_8);

    @Test
    void fipsModuleRunsApprovedOnlyWithNativeAes() {
        Fips.provider();
        assertTrue(CryptoServicesRegistrar.isInApprovedOnlyMode());
        Fips.NativeStatus status = Fips.nativeStatus();
        assertTrue(status.nativeAes(), "native AES expected on this machine, got " + status);
        assertFalse(status.variant().isBlank());
    }

    @Test
    void hkdfMatchesRfc5869TestCase1() {
        HexFormat hex = HexFormat.of();
        byte[] ikm = hex.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        byte[] salt = hex.parseHex("000102030405060708090a0b0c");
        byte[] info = hex.parseHex("f0f1f2f3f4f5f6f7f8f9");
        byte[] okm = Hkdf.derive(ikm, salt, info, 42);
        assertEquals(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
                hex.formatHex(okm));
    }

    @Test
    void aeadRoundTrips() throws Exception {
        byte[] key = Drbg.bytes(32);
        byte[] sealed = Aead.encrypt(key, "secret".getBytes(StandardCharsets.UTF_8), AAD);
        assertArrayEquals("secret".getBytes(StandardCharsets.UTF_8), Aead.decrypt(key, sealed, AAD));
    }

    @Test
    void flippedCiphertextByte_fails() {
        byte[] key = Drbg.bytes(32);
        byte[] sealed = Aead.encrypt(key, "secret".getBytes(StandardCharsets.UTF_8), AAD);
        sealed[Aead.NONCE_BYTES + 1] ^= 1;
        assertThrows(DecryptionFailedException.class, () -> Aead.decrypt(key, sealed, AAD));
    }

    @Test
    void decryptWithWrongAssociatedData_fails() {
        byte[] key = Drbg.bytes(32);
        byte[] sealed = Aead.encrypt(key, "secret".getBytes(StandardCharsets.UTF_8), AAD);
        assertThrows(DecryptionFailedException.class, () -> Aead.decrypt(key, sealed, "other".getBytes()));
    }

    @Test
    void destroyedKey_refusesUse() {
        SecretKeyBytes key = SecretKeyBytes.random(32);
        key.destroy();
        assertThrows(IllegalStateException.class, key::bytes);
    }

    @Test
    void withoutNativeAes_startupRefusesUnlessPureJavaIsAllowed() {
        CryptoServicesRegistrar.setNativeEnabled(false);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Fips.requireNativeAes(false));
            assertTrue(e.getMessage().contains("crypto.allow-pure-java"), e.getMessage());
            Fips.NativeStatus allowed = Fips.requireNativeAes(true);
            assertFalse(allowed.nativeAes());
            assertEquals("java", allowed.variant());
        } finally {
            CryptoServicesRegistrar.setNativeEnabled(true);
        }
        assertTrue(Fips.nativeStatus().nativeAes());
    }
}
