package com.strongroom.api;

import com.strongroom.crypto.Drbg;
import com.strongroom.crypto.Fips;
import io.helidon.common.tls.Tls;
import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.logging.Logger;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The server's TLS key and certificate as PEM files under the TLS directory. When absent (first
 * run) a self-signed EC P-256 certificate is made with BC-FIPS; operators replace the two files
 * with ones from their own CA. The key file is created 0600 and never readable by others.
 */
public final class TlsMaterial {
    private static final Logger LOG = Logger.getLogger(TlsMaterial.class.getName());
    static final String CERT_FILE = "server.crt";
    static final String KEY_FILE = "server.key";
    private static final String PEM_KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PEM_KEY_END = "-----END PRIVATE KEY-----";

    private final PrivateKey key;
    private final X509Certificate certificate;

    private TlsMaterial(PrivateKey key, X509Certificate certificate) {
        this.key = key;
        this.certificate = certificate;
    }

    public static TlsMaterial loadOrCreate(Path dir, List<String> hostNames) {
        Path cert = dir.resolve(CERT_FILE);
        Path key = dir.resolve(KEY_FILE);
        try {
            if (!Files.exists(cert) || !Files.exists(key)) {
                create(dir, cert, key, hostNames);
            }
            TlsMaterial material = new TlsMaterial(readKey(key), readCertificate(cert));
            LOG.info(() -> "TLS certificate " + cert + " (SHA-256 " + material.fingerprint() + ")");
            return material;
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("TLS key or certificate in " + dir + " unusable: " + e.getMessage(), e);
        }
    }

    private static void create(Path dir, Path certFile, Path keyFile, List<String> hostNames)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        Files.createDirectories(
                dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", Fips.provider());
        generator.initialize(new ECGenParameterSpec("P-256"), Drbg.secureRandom());
        KeyPair pair = generator.generateKeyPair();

        X500Name subject = new X500Name("CN=" + hostNames.get(0) + ",O=Strongroom appliance (self-signed)");
        Instant now = Instant.now();
        List<GeneralName> names = new ArrayList<>();
        for (String host : hostNames) {
            boolean ip = host.matches("[0-9.]+") || host.contains(":");
            names.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, host));
        }
        org.bouncycastle.cert.X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                        subject,
                        new BigInteger(1, Drbg.bytes(16)),
                        Date.from(now.minus(Duration.ofMinutes(5))),
                        Date.from(now.plus(Duration.ofDays(365))),
                        subject,
                        pair.getPublic())
                .addExtension(
                        Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)))
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
                .setProvider(Fips.provider())
                .build(pair.getPrivate()));

        Files.deleteIfExists(keyFile);
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (Writer w =
                Files.newBufferedWriter(keyFile, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING)) {
            w.write(PEM_KEY_BEGIN + "\n"
                    + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
                            .encodeToString(pair.getPrivate().getEncoded())
                    + "\n" + PEM_KEY_END + "\n");
        }
        StringWriter certPem = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(certPem)) {
            pem.writeObject(holder);
        }
        Files.writeString(certFile, certPem.toString(), StandardCharsets.US_ASCII);
        LOG.info(() -> "created a self-signed TLS certificate for " + hostNames + " in " + dir);
    }

    /** The JDK's own key object (from PKCS#8), so SunJSSE signs handshakes without a provider mismatch. */
    private static PrivateKey readKey(Path file) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        int begin = pem.indexOf(PEM_KEY_BEGIN);
        int end = pem.indexOf(PEM_KEY_END);
        if (begin < 0 || end < begin) {
            throw new GeneralSecurityException(
                    file + " does not hold an unencrypted PKCS#8 private key (BEGIN PRIVATE KEY)");
        }
        byte[] der = java.util.Base64.getMimeDecoder().decode(pem.substring(begin + PEM_KEY_BEGIN.length(), end));
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(der);
        String algorithm =
                info.getPrivateKeyAlgorithm().getAlgorithm().getId().equals("1.2.840.10045.2.1") ? "EC" : "RSA";
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } finally {
            java.util.Arrays.fill(der, (byte) 0);
        }
    }

    private static X509Certificate readCertificate(Path file) throws IOException, GeneralSecurityException {
        try (var in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public String fingerprint() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** TLS 1.3 only: every client we support speaks it, and it leaves no weak suites to configure. */
    public Tls toTls() {
        return Tls.builder()
                .privateKey(key)
                .privateKeyCertChain(List.of(certificate))
                .enabledProtocols(List.of("TLSv1.3"))
                .build();
    }
}
