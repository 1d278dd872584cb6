package com.strongroom.api;

import com.strongroom.crypto.Drbg;
import com.strongroom.crypto.Fips;
import com.strongroom.crypto.TlsProfile;
import io.helidon.common.tls.Tls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;

/**
 * The HTTPS server's key and certificate, kept as PEM in a directory. An operator may drop in a
 * certificate from their own CA; otherwise a self-signed one is generated on first start so the
 * appliance never has to serve plain HTTP.
 */
public final class TlsMaterial {
    static final String CERT_FILE = "server.crt";
    static final String KEY_FILE = "server.key";
    private static final System.Logger LOG = System.getLogger(TlsMaterial.class.getName());
    private static final Duration VALIDITY = Duration.ofDays(365);
    // Tolerates clients whose clock is a little behind ours right after generation.
    private static final Duration BACKDATE = Duration.ofMinutes(5);
    private static final Pattern PEM_KEY =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private final X509Certificate certificate;
    private final PrivateKey privateKey;

    private TlsMaterial(X509Certificate certificate, PrivateKey privateKey) {
        this.certificate = certificate;
        this.privateKey = privateKey;
    }

    /**
     * Loads {@code server.crt}/{@code server.key} from {@code tlsDir}, or, when both are missing,
     * generates a self-signed EC P-256 pair for {@code hostNames} (DNS names or IP literals) and
     * stores it there.
     */
    public static TlsMaterial loadOrCreate(Path tlsDir, List<String> hostNames) {
        if (hostNames.isEmpty()) {
            throw new IllegalArgumentException("at least one host name is needed for the certificate");
        }
        Path cert = tlsDir.resolve(CERT_FILE);
        Path key = tlsDir.resolve(KEY_FILE);
        try {
            boolean haveCert = Files.exists(cert);
            boolean haveKey = Files.exists(key);
            if (haveCert != haveKey) {
                // Never overwrite half of what may be an operator's own CA-issued pair.
                throw new IllegalStateException("found " + (haveCert ? cert : key) + " but not "
                        + (haveCert ? key : cert) + "; supply both, or remove it to get a self-signed pair");
            }
            if (!haveCert) {
                generate(tlsDir, cert, key, hostNames);
            }
            TlsMaterial material = load(cert, key);
            LOG.log(
                    System.Logger.Level.INFO,
                    "TLS certificate {0}, subject {1}, valid until {2}, SHA-256 {3}",
                    cert,
                    material.certificate.getSubjectX500Principal().getName(),
                    material.certificate.getNotAfter().toInstant(),
                    material.fingerprintSha256());
            return material;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load or create TLS material in " + tlsDir, e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot load or create TLS material in " + tlsDir, e);
        }
    }

    /** A Helidon TLS configuration for the server socket: this key and certificate, TLS 1.3 only. */
    public Tls toTls() {
        return toTls(TlsProfile.STANDARD);
    }

    /** As {@link #toTls()}, with the provider, suites and groups of {@code profile}. */
    public Tls toTls(TlsProfile profile) {
        if (profile == TlsProfile.STANDARD) {
            return Tls.builder()
                    .privateKey(privateKey)
                    .privateKeyCertChain(List.of(certificate))
                    .enabledProtocols(List.of("TLSv1.3"))
                    .build();
        }
        SSLContext context;
        try {
            context = FipsTlsContext.create(privateKey, certificate);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "cannot set up TLS profile " + profile.configName() + ": " + e.getMessage(), e);
        }
        SSLParameters parameters = new SSLParameters();
        parameters.setProtocols(new String[] {"TLSv1.3"});
        parameters.setCipherSuites(profile.cipherSuites().toArray(String[]::new));
        parameters.setNamedGroups(profile.namedGroups().toArray(String[]::new));
        // The server's order, not the client's: the strongest suite and curve both sides have.
        parameters.setUseCipherSuitesOrder(true);
        LOG.log(
                System.Logger.Level.INFO,
                "TLS profile {0}: {1}; TLS 1.3, suites {2}, groups {3}",
                profile.configName(),
                FipsTlsContext.providerDescription(),
                profile.cipherSuites(),
                profile.namedGroups());
        return Tls.builder()
                .sslContext(context)
                .sslParameters(parameters)
                .enabledProtocols(List.of("TLSv1.3"))
                .enabledCipherSuites(profile.cipherSuites())
                .build();
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** SHA-256 of the DER certificate, colon-separated upper-case hex as openssl and browsers show it. */
    public String fingerprintSha256() {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256", Fips.provider()).digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        // Deliberately only the public half: this object ends up in log lines.
        return "TlsMaterial[" + certificate.getSubjectX500Principal().getName() + ", SHA-256 " + fingerprintSha256()
                + "]";
    }

    private static TlsMaterial load(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
        Set<PosixFilePermission> keyPerms = Files.getPosixFilePermissions(keyFile);
        if (keyPerms.contains(PosixFilePermission.GROUP_READ) || keyPerms.contains(PosixFilePermission.OTHERS_READ)) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "TLS private key {0} is readable by group or others ({1}); chmod 600 it",
                    keyFile,
                    PosixFilePermissions.toString(keyPerms));
        }
        X509Certificate cert;
        try (var in = Files.newInputStream(certFile)) {
            // The JDK's own factory: SunJSSE serves this object, so it should be a JDK certificate.
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        Matcher pem = PEM_KEY.matcher(Files.readString(keyFile, StandardCharsets.US_ASCII));
        if (!pem.find()) {
            throw new GeneralSecurityException(keyFile + " holds no PKCS#8 'BEGIN PRIVATE KEY' block");
        }
        byte[] pkcs8 = Base64.getMimeDecoder().decode(pem.group(1));
        // A JDK (SunEC) key, not a BC-FIPS one: SunJSSE signs the handshake with it.
        PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        requireMatchingPair(cert, key, certFile, keyFile);
        return new TlsMaterial(cert, key);
    }

    /** A mismatched key and certificate would otherwise only show up as an obscure handshake failure. */
    private static void requireMatchingPair(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile)
            throws GeneralSecurityException {
        byte[] probe = Drbg.bytes(32);
        Signature signer = Signature.getInstance("SHA256withECDSA", Fips.provider());
        signer.initSign(key, Drbg.secureRandom());
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA", Fips.provider());
        verifier.initVerify(cert.getPublicKey());
        verifier.update(probe);
        if (!verifier.verify(signature)) {
            throw new GeneralSecurityException(keyFile + " is not the private key of " + certFile);
        }
    }

    private static void generate(Path dir, Path certFile, Path keyFile, List<String> hostNames)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        if (!Files.isDirectory(dir)) {
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.createDirectory(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", Fips.provider());
        generator.initialize(new ECGenParameterSpec("P-256"), Drbg.secureRandom());
        KeyPair pair = generator.generateKeyPair();

        X509CertificateHolder holder = selfSigned(pair, hostNames);
        // Each file appears complete or not at all; a crash between the two renames leaves a lone
        // key, which loadOrCreate reports rather than guessing.
        writeAtomically(keyFile, pem("PRIVATE KEY", pair.getPrivate().getEncoded()), "rw-------");
        writeAtomically(certFile, pem("CERTIFICATE", holder.getEncoded()), "rw-r--r--");
        LOG.log(System.Logger.Level.INFO, "Generated a self-signed TLS certificate for {0} in {1}", hostNames, dir);
    }

    private static X509CertificateHolder selfSigned(KeyPair pair, List<String> hostNames)
            throws IOException, OperatorCreationException {
        // Built attribute by attribute so a host name containing ',' or '=' cannot inject DN parts.
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, hostNames.get(0))
                .build();
        Instant now = Instant.now();
        // 159 random bits: positive, unique, and within the 20-octet limit of RFC 5280.
        BigInteger serial = new BigInteger(159, Drbg.secureRandom());
        GeneralName[] sans = hostNames.stream()
                .map(name -> IPAddress.isValid(name)
                        ? new GeneralName(GeneralName.iPAddress, name)
                        : new GeneralName(GeneralName.dNSName, name))
                .toArray(GeneralName[]::new);
        var builder = new JcaX509v3CertificateBuilder(
                        subject,
                        serial,
                        Date.from(now.minus(BACKDATE)),
                        Date.from(now.plus(VALIDITY)),
                        subject,
                        pair.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
        var signer = new JcaContentSignerBuilder("SHA256withECDSA")
                .setProvider(Fips.provider())
                .setSecureRandom(Drbg.secureRandom())
                .build(pair.getPrivate());
        return builder.build(signer);
    }

    private static byte[] pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der);
        return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Creates a temp file with its final permissions already set at creation (so the key is never
     * readable by others, not even for an instant), syncs it, then renames it into place so a
     * reader never sees half a file.
     */
    private static void writeAtomically(Path target, byte[] content, String permissions) throws IOException {
        Path tmp = Files.createTempFile(
                target.getParent(),
                "." + target.getFileName(),
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions)));
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(content));
                channel.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
