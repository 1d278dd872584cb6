package com.strongroom.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.api.TlsMaterial;
import com.strongroom.crypto.Fips;
import com.strongroom.testing.LabHsm;
import com.strongroom.testing.LabS3;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.TrustManager;
import org.bouncycastle.crypto.CryptoServicesRegistrar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The contract, and what only S3 has (prefix, TLS trust, multipart, Object Lock, credentials),
 * against a real S3 server process (S3Mock) over HTTPS, its self-signed certificate trusted
 * through {@code caFile}: the same path a customer's CA takes.
 *
 * <p>Object Lock: S3Mock accepts a bucket with Object Lock enabled and checks Content-MD5 and SHA-256
 * checksums, but ignores the lock headers of an upload. These tests prove that locked uploads are
 * well-formed and carry a correct integrity header; they do not prove WORM. That needs a store that
 * enforces retention (AWS S3, MinIO with object locking).
 */
class S3TargetTest extends BackupTargetContract {
    static final String LOCKED_BUCKET = "strongroom-locked";

    @TempDir
    static Path dir;

    static LabS3 lab;
    static BackupTarget target;
    /** A plain SDK client for looking into the bucket behind the target's back. */
    static S3Client raw;

    @BeforeAll
    static void start() throws Exception {
        lab = LabS3.start(dir.resolve("lab"));
        // Multipart from 8 MiB in 5 MiB parts (S3's minimum) and listings in pages of 100: the tests
        // still cross both limits with 12 MiB and 250 objects instead of 80 MiB and 1,100 through
        // S3Mock's slow TLS (production: 64 MiB and 16 MiB parts, pages of 1,000).
        target = S3Target.create(
                settings("offsite", lab.httpsEndpoint(), lab.bucket(), "backups/", lab.certificatePem()),
                new S3Target.Tuning(8 * MIB, 5 * MIB, S3Target.Tuning.DEFAULT.lockIntegrity(), 100));
        TrustManager[] trust = PemTrust.trustManagers(lab.certificatePem());
        raw = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder().tlsTrustManagersProvider(() -> trust))
                .endpointOverride(lab.httpsEndpoint())
                .forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
        raw.createBucket(b -> b.bucket(LOCKED_BUCKET).objectLockEnabledForBucket(true));
        // AWS turns versioning on with Object Lock; S3Mock does not, so do it as AWS would have.
        raw.putBucketVersioning(
                b -> b.bucket(LOCKED_BUCKET).versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
    }

    @AfterAll
    static void stop() throws Exception {
        if (target != null) {
            target.close();
        }
        if (raw != null) {
            raw.close();
        }
        if (lab != null) {
            long pid = lab.pid();
            lab.close();
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "S3Mock outlived the test");
        }
    }

    @Override
    BackupTarget target() {
        return target;
    }

    @Override
    int manyObjects() {
        return 250;
    }

    @Override
    long largeFileBytes() {
        return 12 * MIB + 12_345;
    }

    static TargetSettings settings(String name, URI endpoint, String bucket, String prefix, Path caFile)
            throws IOException {
        return lockedSettings(name, endpoint, bucket, prefix, caFile, null);
    }

    static TargetSettings lockedSettings(
            String name, URI endpoint, String bucket, String prefix, Path caFile, String lockMode) throws IOException {
        return s3Settings(
                name,
                new TargetSettings.S3(
                        endpoint,
                        "us-east-1",
                        bucket,
                        prefix,
                        true,
                        caFile,
                        lab.accessKeyIdFile(),
                        lab.secretAccessKeyFile(),
                        lockMode,
                        lockMode == null ? null : Duration.ofDays(1)));
    }

    static TargetSettings s3Settings(String name, TargetSettings.S3 s3) {
        return new TargetSettings(name, "s3", null, Duration.ofDays(90), Duration.ofDays(30), s3);
    }

    @Test
    void prefix_isPrependedInTheBucket_andStrippedInListings() throws Exception {
        target.put(ns + "snapshots/s1", new byte[] {1, 2});
        List<String> inBucket =
                raw.listObjectsV2(r -> r.bucket(lab.bucket()).prefix("backups/" + ns)).contents().stream()
                        .map(S3Object::key)
                        .toList();
        assertEquals(List.of("backups/" + ns + "snapshots/s1"), inBucket);
        assertEquals(List.of(ns + "snapshots/s1"), keys(target.list(ns)));
        assertTrue(target.list("").stream().allMatch(o -> !o.key().startsWith("backups/")));
    }

    @Test
    void list_skipsObjectsNoKeyCanName() throws Exception {
        target.put(ns + "ours", new byte[] {1});
        // put there by something else: a console upload, another tool's marker
        for (String alien : List.of(ns + ".marker", ns + "a//b", ns + "dir/")) {
            raw.putObject(r -> r.bucket(lab.bucket()).key("backups/" + alien), RequestBody.fromBytes(new byte[] {2}));
        }
        assertEquals(List.of(ns + "ours"), keys(target.list(ns)));
    }

    @Test
    void aCaFileThatDoesNotHoldTheServersCertificate_failsSayingItIsNotTrusted() throws Exception {
        // a valid certificate for the right name, just not the one the server has
        TlsMaterial.loadOrCreate(dir.resolve("other-ca"), List.of("localhost"));
        Path otherCa = dir.resolve("other-ca/server.crt");
        try (BackupTarget t =
                BackupTargets.open(settings("wrong-ca", lab.httpsEndpoint(), lab.bucket(), "backups/", otherCa))) {
            IOException e = assertThrows(IOException.class, () -> t.get(ns + "k"));
            assertMessage(
                    e,
                    "'wrong-ca'",
                    "'" + ns + "k'",
                    "certificate is not trusted",
                    lab.httpsEndpoint().toString());
        }
    }

    @Test
    void aCaFileWithSeveralCertificates_trustsEachOfThem() throws Exception {
        TlsMaterial.loadOrCreate(dir.resolve("bundle-ca"), List.of("localhost"));
        Path bundle = dir.resolve("bundle.pem");
        Files.writeString(
                bundle, Files.readString(dir.resolve("bundle-ca/server.crt")) + Files.readString(lab.certificatePem()));
        try (BackupTarget t =
                BackupTargets.open(settings("bundle", lab.httpsEndpoint(), lab.bucket(), "backups/", bundle))) {
            t.put(ns + "k", new byte[] {4});
            assertArrayEquals(new byte[] {4}, target.get(ns + "k").orElseThrow());
        }
    }

    @Test
    void withoutACaFile_theJdkTrustStoreRefusesASelfSignedStore() throws Exception {
        try (BackupTarget t =
                BackupTargets.open(settings("public-ca", lab.httpsEndpoint(), lab.bucket(), "backups/", null))) {
            IOException e = assertThrows(IOException.class, () -> t.put(ns + "k", new byte[] {1}));
            assertMessage(e, "'public-ca'", "'" + ns + "k'", "certificate is not trusted");
        }
        assertFalse(target.exists(ns + "k"));
    }

    @Test
    void aWrongPort_failsNamingTheTargetTheKeyAndTheEndpoint() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        URI nowhere = URI.create("https://localhost:" + closed);
        try (BackupTarget t =
                BackupTargets.open(settings("offline", nowhere, lab.bucket(), "", lab.certificatePem()))) {
            IOException e = assertThrows(IOException.class, () -> t.get(ns + "k"));
            assertMessage(e, "'offline'", "'" + ns + "k'", nowhere.toString());
            assertThrows(IOException.class, () -> t.list(ns));
        }
    }

    @Test
    void aMissingBucket_failsWithWhatTheStoreSaid() throws Exception {
        try (BackupTarget t = BackupTargets.open(
                settings("nobucket", lab.httpsEndpoint(), "no-such-bucket", "", lab.certificatePem()))) {
            IOException e = assertThrows(IOException.class, () -> t.put(ns + "k", new byte[] {1}));
            assertMessage(e, "'nobucket'", "'" + ns + "k'", "NoSuchBucket", "s3://no-such-bucket/");
        }
    }

    @Test
    void credentialFileErrors_nameTheFile_neverItsContents() throws Exception {
        Path absent = dir.resolve("absent-key-id");
        TargetSettings.S3 missing = new TargetSettings.S3(
                lab.httpsEndpoint(),
                "us-east-1",
                lab.bucket(),
                "",
                true,
                null,
                absent,
                lab.secretAccessKeyFile(),
                null,
                null);
        IOException e = assertThrows(IOException.class, () -> BackupTargets.open(s3Settings("creds", missing)));
        assertMessage(e, "'creds'", absent.toString(), "access key id");

        Path blank = LabHsm.writeSecret(dir.resolve("blank-secret"), "  ");
        TargetSettings.S3 empty = new TargetSettings.S3(
                lab.httpsEndpoint(),
                "us-east-1",
                lab.bucket(),
                "",
                true,
                null,
                lab.accessKeyIdFile(),
                blank,
                null,
                null);
        IllegalArgumentException e2 =
                assertThrows(IllegalArgumentException.class, () -> BackupTargets.open(s3Settings("creds", empty)));
        assertMessage(e2, "'creds'", blank.toString(), "empty");

        Path unreadable = dir.resolve("secret-is-a-directory");
        Files.createDirectories(unreadable);
        TargetSettings.S3 directory = new TargetSettings.S3(
                lab.httpsEndpoint(),
                "us-east-1",
                lab.bucket(),
                "",
                true,
                null,
                lab.accessKeyIdFile(),
                unreadable,
                null,
                null);
        IOException e3 = assertThrows(IOException.class, () -> BackupTargets.open(s3Settings("creds", directory)));
        assertMessage(e3, "'creds'", unreadable.toString(), "secret access key", "Is a directory");
    }

    @Test
    void credentialFiles_areTrimmed() throws Exception {
        // The files end with a newline, as `echo` leaves it. S3Mock checks no signature, but the key
        // id goes into the Authorization header, where HttpURLConnection refuses a line break.
        assertTrue(Files.readString(lab.accessKeyIdFile()).endsWith("\n"));
        try (BackupTarget t =
                BackupTargets.open(settings("trimmed", lab.httpsEndpoint(), lab.bucket(), "", lab.certificatePem()))) {
            t.put(ns + "k", new byte[] {1});
            assertArrayEquals(new byte[] {1}, t.get(ns + "k").orElseThrow());
        }
    }

    @Test
    void caFileErrors_nameTheFile() throws Exception {
        Path notPem = Files.writeString(dir.resolve("not-a-cert.pem"), "hello\n");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> BackupTargets.open(settings("ca", lab.httpsEndpoint(), lab.bucket(), "", notPem)));
        assertMessage(e, "'ca'", "s3.ca-file", notPem.toString());
        Path absent = dir.resolve("absent.pem");
        IOException e2 = assertThrows(
                IOException.class,
                () -> BackupTargets.open(settings("ca", lab.httpsEndpoint(), lab.bucket(), "", absent)));
        assertMessage(e2, "'ca'", absent.toString(), "s3.ca-file");
    }

    @Test
    void aFailedMultipartUpload_isAborted_andStoresNothing() throws Exception {
        // Parts below S3's 5 MiB minimum: the store refuses to complete the upload.
        S3Target.Tuning tiny = new S3Target.Tuning(MIB, MIB, S3Target.LockIntegrity.CONTENT_MD5);
        Path file = randomFile(scratch.resolve("three-mib"), 3 * MIB, 3);
        try (S3Target t = S3Target.create(
                settings("tiny-parts", lab.httpsEndpoint(), lab.bucket(), "backups/", lab.certificatePem()), tiny)) {
            IOException e = assertThrows(IOException.class, () -> t.put(ns + "big", file));
            assertMessage(e, "'tiny-parts'", "'" + ns + "big'", "EntityTooSmall");
        }
        List<MultipartUpload> open = raw.listMultipartUploads(
                        r -> r.bucket(lab.bucket()).prefix("backups/" + ns))
                .uploads();
        assertEquals(List.of(), open, "the failed upload was not aborted");
        assertFalse(target.exists(ns + "big"));
    }

    @Test
    void md5_isAvailableBesideBcFipsInApprovedOnlyMode() {
        Fips.provider();
        assertTrue(CryptoServicesRegistrar.isInApprovedOnlyMode());
        assertTrue(S3Target.md5Available());
        assertEquals(S3Target.LockIntegrity.CONTENT_MD5, S3Target.Tuning.DEFAULT.lockIntegrity());
    }

    @Test
    void lockedUploads_withContentMd5_succeed() throws Exception {
        lockedUploadsSucceed(S3Target.LockIntegrity.CONTENT_MD5);
    }

    @Test
    void lockedUploads_withSha256Checksums_succeed() throws Exception {
        lockedUploadsSucceed(S3Target.LockIntegrity.SHA256);
    }

    @Test
    void complianceLockedUploads_succeed() throws Exception {
        // Same requests but for the mode header; the multipart path is covered above.
        try (S3Target t = S3Target.create(
                lockedSettings("worm", lab.httpsEndpoint(), LOCKED_BUCKET, "", lab.certificatePem(), "COMPLIANCE"))) {
            t.put(ns + "manifest", new byte[] {1, 2, 3});
            t.put(ns + "small", randomFile(scratch.resolve("small"), 100_000, 7));
            assertArrayEquals(new byte[] {1, 2, 3}, t.get(ns + "manifest").orElseThrow());
            assertTrue(t.exists(ns + "small"));
        }
    }

    /** Small PutObject, file PutObject and a three-part upload, all locked; S3Mock checks MD5 and SHA-256. */
    private void lockedUploadsSucceed(S3Target.LockIntegrity integrity) throws Exception {
        S3Target.Tuning fiveMib = new S3Target.Tuning(5 * MIB, 5 * MIB, integrity);
        Path small = randomFile(scratch.resolve("small"), 100_000, 5);
        Path multi = randomFile(scratch.resolve("multi"), 12 * MIB + 7, 6);
        try (S3Target t = S3Target.create(
                lockedSettings("worm", lab.httpsEndpoint(), LOCKED_BUCKET, "", lab.certificatePem(), "GOVERNANCE"),
                fiveMib)) {
            t.put(ns + "manifest", new byte[] {1, 2, 3});
            t.put(ns + "small", small);
            t.put(ns + "multi", multi);
            assertArrayEquals(new byte[] {1, 2, 3}, t.get(ns + "manifest").orElseThrow());
            assertEquals(sha256(small), sha(t, ns + "small"));
            assertEquals(sha256(multi), sha(t, ns + "multi"));
        }
    }

    @Test
    void delete_inALockedBucket_removesEveryVersion_notJustAddsADeleteMarker() throws Exception {
        try (BackupTarget t = BackupTargets.open(
                lockedSettings("worm", lab.httpsEndpoint(), LOCKED_BUCKET, "", lab.certificatePem(), "GOVERNANCE"))) {
            t.put(ns + "old-snapshot", new byte[] {1});
            t.put(ns + "old-snapshot", new byte[] {2});
            t.put(ns + "kept", new byte[] {3});
            assertEquals(2, versions(ns + "old-snapshot"));
            t.delete(ns + "old-snapshot");
            assertEquals(0, versions(ns + "old-snapshot"), "versions or delete markers are left");
            assertFalse(t.exists(ns + "old-snapshot"));
            assertEquals(List.of(ns + "kept"), keys(t.list(ns)));
            t.delete(ns + "never-written");
        }
    }

    /** Versions and delete markers of exactly {@code key} in the locked bucket. */
    private static int versions(String key) {
        var page = raw.listObjectVersions(r -> r.bucket(LOCKED_BUCKET).prefix(key));
        return (int) (page.versions().stream().filter(v -> v.key().equals(key)).count()
                + page.deleteMarkers().stream().filter(m -> m.key().equals(key)).count());
    }

    @Test
    void objectLockSettings_areValidated() throws Exception {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> BackupTargets.open(
                        lockedSettings("worm", lab.httpsEndpoint(), LOCKED_BUCKET, "", lab.certificatePem(), "WORM")));
        assertMessage(e, "object-lock-mode", "'worm'");
        TargetSettings.S3 noRetain = new TargetSettings.S3(
                lab.httpsEndpoint(),
                "us-east-1",
                LOCKED_BUCKET,
                "",
                true,
                null,
                lab.accessKeyIdFile(),
                lab.secretAccessKeyFile(),
                "GOVERNANCE",
                null);
        IllegalArgumentException e2 =
                assertThrows(IllegalArgumentException.class, () -> BackupTargets.open(s3Settings("worm", noRetain)));
        assertMessage(e2, "object-lock-retain");
        TargetSettings.S3 badPrefix = new TargetSettings.S3(
                lab.httpsEndpoint(),
                "us-east-1",
                lab.bucket(),
                "no-slash",
                true,
                null,
                lab.accessKeyIdFile(),
                lab.secretAccessKeyFile(),
                null,
                null);
        IllegalArgumentException e3 =
                assertThrows(IllegalArgumentException.class, () -> BackupTargets.open(s3Settings("pfx", badPrefix)));
        assertMessage(e3, "s3.prefix");
    }

    private static String sha(BackupTarget t, String key) throws Exception {
        try (InputStream in = t.open(key)) {
            return sha256(in);
        }
    }

    /** Asserts the message names every part, and never the secret access key. */
    private static void assertMessage(Exception e, String... parts) throws IOException {
        String message = e.getMessage();
        System.out.println("message: " + message); // what an operator would read, kept in the test report
        for (String part : parts) {
            assertTrue(message.contains(part), "missing '" + part + "' in: " + message);
        }
        assertFalse(message.contains(lab.secretAccessKey()), "the secret is in: " + message);
        assertFalse(message.contains(Files.readString(lab.accessKeyIdFile()).trim()), "the key id is in: " + message);
    }
}
