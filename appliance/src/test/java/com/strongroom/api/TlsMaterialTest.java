package com.strongroom.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsMaterialTest {
    private static final String HOST = "127.0.0.1";
    private static final List<String> NAMES = List.of("localhost", HOST);

    @TempDir
    static Path root;

    private static Path tlsDir;
    private static TlsMaterial material;

    @BeforeAll
    static void createMaterial() {
        tlsDir = root.resolve("tls");
        material = TlsMaterial.loadOrCreate(tlsDir, NAMES);
    }

    @Test
    void secondLoadReusesTheStoredCertificate() throws Exception {
        TlsMaterial again = TlsMaterial.loadOrCreate(tlsDir, NAMES);
        assertEquals(material.fingerprintSha256(), again.fingerprintSha256());
        assertEquals(material.certificate(), again.certificate());
        assertTrue(material.fingerprintSha256().matches("([0-9A-F]{2}:){31}[0-9A-F]{2}"));
    }

    @Test
    void keyIsOwnerOnlyAndDirectoryIsPrivate() throws Exception {
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(tlsDir.resolve(TlsMaterial.KEY_FILE))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tlsDir)));
        try (var files = Files.list(tlsDir)) {
            // No temp file is left behind by the atomic writes.
            assertEquals(2, files.count());
        }
    }

    @Test
    void certificateIsASelfSignedP256ServerCertificateForTheHostNames() throws Exception {
        X509Certificate cert = material.certificate();
        assertEquals("SHA256withECDSA", cert.getSigAlgName());
        assertTrue(((ECPublicKey) cert.getPublicKey()).getParams().toString().contains("1.2.840.10045.3.1.7"));
        assertEquals(3, cert.getVersion());
        assertEquals(-1, cert.getBasicConstraints());
        assertTrue(cert.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"));
        List<?> sans = cert.getSubjectAlternativeNames().stream().toList();
        assertEquals(List.of(List.of(2, "localhost"), List.of(7, HOST)), sans);
        long days = Duration.between(
                        cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant())
                .toDays();
        assertTrue(days >= 365 && days <= 366, "validity " + days + " days");
        cert.verify(cert.getPublicKey());
    }

    @Test
    void keyThatDoesNotMatchTheCertificateIsRefused() throws Exception {
        Path other = root.resolve("other");
        TlsMaterial.loadOrCreate(other, NAMES);
        Files.copy(
                tlsDir.resolve(TlsMaterial.CERT_FILE),
                other.resolve(TlsMaterial.CERT_FILE),
                StandardCopyOption.REPLACE_EXISTING);
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> TlsMaterial.loadOrCreate(other, NAMES));
        assertTrue(
                e.getCause().getMessage().contains("is not the private key of"),
                e.getCause().getMessage());
    }

    @Test
    void loneCertificateIsReportedNotOverwritten() throws Exception {
        Path lone = root.resolve("lone");
        Files.createDirectories(lone);
        Files.copy(tlsDir.resolve(TlsMaterial.CERT_FILE), lone.resolve(TlsMaterial.CERT_FILE));
        byte[] before = Files.readAllBytes(lone.resolve(TlsMaterial.CERT_FILE));
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> TlsMaterial.loadOrCreate(lone, NAMES));
        assertTrue(e.getMessage().contains("but not"), e.getMessage());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(lone.resolve(TlsMaterial.CERT_FILE))));
        assertTrue(Files.notExists(lone.resolve(TlsMaterial.KEY_FILE)));
    }
}
