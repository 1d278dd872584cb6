package com.strongroom.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * Trust managers that accept exactly the certificates in one PEM file (a customer's CA, or a
 * store's own self-signed certificate), instead of the JDK's public CAs. Built with the JDK's own
 * X.509 factory and PKIX trust manager, so SunJSSE verifies the chain and the host name as usual;
 * the key store exists only in memory.
 */
final class PemTrust {
    private PemTrust() {}

    static TrustManager[] trustManagers(Path pemFile) throws IOException {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pemFile)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "CA file " + pemFile + " does not hold readable PEM certificates: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("CA file " + pemFile + " holds no certificate");
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                if (!(certificate instanceof X509Certificate)) {
                    throw new IllegalArgumentException("CA file " + pemFile + " holds a non-X.509 certificate");
                }
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a trust store from " + pemFile + ": " + e.getMessage(), e);
        }
    }
}
