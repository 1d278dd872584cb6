package com.strongroom.crypto;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Which TLS the HTTPS socket speaks. Both are TLS 1.3 only; they differ in who implements the
 * handshake and record protection, and in how much of TLS 1.3 a client may choose from.
 */
public enum TlsProfile {
    /** The JDK's SunJSSE with its TLS 1.3 suites (AES-GCM and ChaCha20-Poly1305) and groups. */
    STANDARD("standard", List.of(), List.of()),
    /**
     * BC-FIPS JSSE in approved-only mode, over the same BC-FIPS provider as the rest of the
     * appliance: AES-GCM suites only and the NIST curves P-256 and P-384 for key exchange, which
     * is what FIPS 140-3 and SP 800-52r2 allow a TLS 1.3 server to offer.
     */
    FIPS("fips", List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"), List.of("secp384r1", "secp256r1"));

    private final String configName;
    private final List<String> cipherSuites;
    private final List<String> namedGroups;

    TlsProfile(String configName, List<String> cipherSuites, List<String> namedGroups) {
        this.configName = configName;
        this.cipherSuites = cipherSuites;
        this.namedGroups = namedGroups;
    }

    /** The value of {@code server.tls-profile} that selects this profile. */
    public String configName() {
        return configName;
    }

    /** The only suites offered, most preferred first; empty = the provider's TLS 1.3 defaults. */
    public List<String> cipherSuites() {
        return cipherSuites;
    }

    /** The only key-exchange groups offered, most preferred first; empty = the provider's defaults. */
    public List<String> namedGroups() {
        return namedGroups;
    }

    /** @throws IllegalArgumentException naming the values allowed */
    public static TlsProfile fromConfig(String value) {
        for (TlsProfile p : values()) {
            if (p.configName.equals(value.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not known; use "
                + String.join(
                        " or ",
                        Arrays.stream(values()).map(TlsProfile::configName).toList()));
    }
}
