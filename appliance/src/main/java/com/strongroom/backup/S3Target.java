package com.strongroom.backup;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import org.bouncycastle.crypto.fips.FipsUnapprovedOperationError;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * A backup target in an S3-compatible bucket (AWS, MinIO, Ceph RGW, NetApp StorageGRID, …), through
 * the AWS SDK v2 over the JDK's HttpURLConnection.
 *
 * <p>Object {@code k} is stored as {@code <prefix>k}. Files above {@value #MULTIPART_THRESHOLD_MIB}
 * MiB go up in 16 MiB parts (more when 10,000 parts would not hold the file), streamed from the file
 * one part at a time; a failed upload is aborted so no orphaned parts keep costing storage.
 *
 * <p><b>Compatibility.</b> The SDK (since 2.30) would add CRC32 checksums to every upload and
 * validate them on download; several S3-compatible stores reject those headers, so both are
 * {@code WHEN_REQUIRED}. Integrity of what is stored does not rest on the store anyway: the
 * interface's callers authenticate everything through manifests. The SDK reads no {@code ~/.aws}
 * profile: what this target does comes from the appliance's configuration alone.
 *
 * <p><b>Object Lock.</b> With a mode (GOVERNANCE or COMPLIANCE), every PutObject and
 * CreateMultipartUpload asks for that mode until now + retain. S3 then demands an integrity header
 * on each upload request: Content-MD5 when the JVM offers MD5 (it does beside BC-FIPS in
 * approved-only mode, which does not touch the JDK's own provider), else an SDK-computed SHA-256
 * checksum. {@link #delete} in a locked bucket deletes every version of the key, not just adds a
 * delete marker, so the store refuses while retention holds and frees the space once it has ended.
 *
 * <p>Messages name the target, the key and what the store said; never the credentials.
 */
final class S3Target implements BackupTarget {
    static final int MULTIPART_THRESHOLD_MIB = 64;
    private static final long MIB = 1024 * 1024;
    private static final int MAX_PARTS = 10_000;
    private static final System.Logger LOG = System.getLogger(S3Target.class.getName());

    /** How an upload to a locked bucket proves its content to S3. */
    enum LockIntegrity {
        CONTENT_MD5,
        SHA256
    }

    /** Sizes and choices tests need to change; {@link #DEFAULT} everywhere else. */
    record Tuning(long multipartThreshold, long partSize, LockIntegrity lockIntegrity, int listPageSize) {
        static final Tuning DEFAULT = new Tuning(
                MULTIPART_THRESHOLD_MIB * MIB,
                16 * MIB,
                md5Available() ? LockIntegrity.CONTENT_MD5 : LockIntegrity.SHA256,
                1000);

        Tuning(long multipartThreshold, long partSize, LockIntegrity lockIntegrity) {
            this(multipartThreshold, partSize, lockIntegrity, 1000);
        }
    }

    private record Lock(ObjectLockMode mode, Duration retain) {}

    private final String name;
    /** Where the bucket is, for messages: the endpoint, or "AWS <region>" for AWS's own. */
    private final String where;

    private final String bucket;
    private final String prefix;
    private final S3Client s3;
    private final Lock lock;
    private final Tuning tuning;
    private final Clock clock;

    private S3Target(
            String name,
            String where,
            String bucket,
            String prefix,
            S3Client s3,
            Lock lock,
            Tuning tuning,
            Clock clock) {
        this.name = name;
        this.where = where;
        this.bucket = bucket;
        this.prefix = prefix;
        this.s3 = s3;
        this.lock = lock;
        this.tuning = tuning;
        this.clock = clock;
    }

    static S3Target create(TargetSettings settings) throws IOException {
        return create(settings, Tuning.DEFAULT);
    }

    static S3Target create(TargetSettings settings, Tuning tuning) throws IOException {
        String name = settings.name();
        TargetSettings.S3 c = settings.s3();
        if (c == null) {
            throw new IllegalArgumentException("backup.targets[].s3 must be set for s3 target '" + name + "'");
        }
        String bucket = required(c.bucket(), "bucket", name);
        String region = required(c.region(), "region", name);
        String prefix = c.prefix() == null ? "" : c.prefix();
        if (!prefix.isEmpty()) {
            ObjectKeys.requireValidPrefix(prefix);
            if (!prefix.endsWith("/")) {
                throw new IllegalArgumentException(
                        "backup.targets[].s3.prefix of target '" + name + "' must be empty or end with '/'");
            }
        }
        Lock lock = lock(c, name);
        if (c.accessKeyIdFile() == null || c.secretAccessKeyFile() == null) {
            throw new IllegalArgumentException("backup.targets[].s3.access-key-id-file and secret-access-key-file "
                    + "must be set for s3 target '" + name + "'");
        }
        AwsBasicCredentials credentials = AwsBasicCredentials.create(
                readSecret(c.accessKeyIdFile(), "access key id", name),
                readSecret(c.secretAccessKeyFile(), "secret access key", name));

        UrlConnectionHttpClient.Builder http = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(10))
                // a part is 16 MiB: two minutes without a byte means the store is gone, not slow
                .socketTimeout(Duration.ofMinutes(2));
        if (c.caFile() != null) {
            TrustManager[] trust;
            try {
                trust = PemTrust.trustManagers(c.caFile());
            } catch (IOException e) {
                throw new IOException(
                        "backup target '" + name + "': cannot read s3.ca-file " + c.caFile() + ": " + describe(e), e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("backup target '" + name + "': s3.ca-file: " + e.getMessage(), e);
            }
            http.tlsTrustManagersProvider(() -> trust);
        }
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(http)
                .region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .forcePathStyle(c.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.defaultProfileFile(emptyProfile()).defaultProfileName("default"));
        if (c.endpoint() != null) {
            builder.endpointOverride(c.endpoint());
        }
        if (lock != null) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "backup target {0}: Object Lock {1} for {2} on every upload, integrity by {3}",
                    name,
                    lock.mode(),
                    lock.retain(),
                    tuning.lockIntegrity());
        }
        String where = c.endpoint() == null ? "AWS " + region : c.endpoint().toString();
        return new S3Target(name, where, bucket, prefix, builder.build(), lock, tuning, Clock.systemUTC());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
        ObjectKeys.requireValid(key);
        PutObjectRequest.Builder request =
                PutObjectRequest.builder().bucket(bucket).key(prefix + key).contentLength((long) bytes.length);
        if (lock != null) {
            locked(request);
            if (tuning.lockIntegrity() == LockIntegrity.CONTENT_MD5) {
                request.contentMD5(md5(bytes));
            } else {
                request.checksumAlgorithm(ChecksumAlgorithm.SHA256);
            }
        }
        try {
            s3.putObject(request.build(), RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw failure("write", key, e);
        }
    }

    @Override
    public void put(String key, Path file) throws IOException {
        ObjectKeys.requireValid(key);
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new IOException(
                    "backup target '" + name + "': cannot write '" + key + "': cannot read " + file + ": " + e, e);
        }
        if (size > tuning.multipartThreshold()) {
            putMultipart(key, file, size);
            return;
        }
        PutObjectRequest.Builder request =
                PutObjectRequest.builder().bucket(bucket).key(prefix + key).contentLength(size);
        try {
            if (lock != null) {
                locked(request);
                if (tuning.lockIntegrity() == LockIntegrity.CONTENT_MD5) {
                    request.contentMD5(md5(file, 0, size));
                } else {
                    request.checksumAlgorithm(ChecksumAlgorithm.SHA256);
                }
            }
            s3.putObject(request.build(), RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw failure("write", key, e);
        } catch (UncheckedIOException e) {
            throw failure("write", key, e.getCause());
        } catch (IOException e) {
            throw failure("write", key, e);
        }
    }

    private void putMultipart(String key, Path file, long size) throws IOException {
        // Parts of at least partSize, but never more than S3's 10,000 of them.
        long partSize = Math.max(tuning.partSize(), (size + MAX_PARTS - 1) / MAX_PARTS);
        boolean sha256 = lock != null && tuning.lockIntegrity() == LockIntegrity.SHA256;
        CreateMultipartUploadRequest.Builder create =
                CreateMultipartUploadRequest.builder().bucket(bucket).key(prefix + key);
        if (lock != null) {
            create.objectLockMode(lock.mode()).objectLockRetainUntilDate(retainUntil());
        }
        if (sha256) {
            create.checksumAlgorithm(ChecksumAlgorithm.SHA256);
        }
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(create.build()).uploadId();
        } catch (SdkException e) {
            throw failure("write", key, e);
        }
        try {
            List<CompletedPart> parts = new ArrayList<>();
            int partNumber = 1;
            for (long offset = 0; offset < size; offset += partSize, partNumber++) {
                long length = Math.min(partSize, size - offset);
                UploadPartRequest.Builder part = UploadPartRequest.builder()
                        .bucket(bucket)
                        .key(prefix + key)
                        .uploadId(uploadId)
                        .partNumber(partNumber)
                        .contentLength(length);
                if (lock != null && !sha256) {
                    part.contentMD5(md5(file, offset, length));
                }
                if (sha256) {
                    part.checksumAlgorithm(ChecksumAlgorithm.SHA256);
                }
                UploadPartResponse uploaded;
                try (FileSlice slice = new FileSlice(file, offset, length)) {
                    uploaded = s3.uploadPart(
                            part.build(), RequestBody.fromContentProvider(slice, length, "application/octet-stream"));
                }
                parts.add(CompletedPart.builder()
                        .partNumber(partNumber)
                        .eTag(uploaded.eTag())
                        .checksumSHA256(sha256 ? uploaded.checksumSHA256() : null)
                        .build());
            }
            s3.completeMultipartUpload(CompleteMultipartUploadRequest.builder()
                    .bucket(bucket)
                    .key(prefix + key)
                    .uploadId(uploadId)
                    .multipartUpload(
                            CompletedMultipartUpload.builder().parts(parts).build())
                    .build());
        } catch (SdkException e) {
            throw aborted(key, uploadId, failure("write", key, e));
        } catch (UncheckedIOException e) {
            throw aborted(key, uploadId, failure("write", key, e.getCause()));
        } catch (IOException e) {
            throw aborted(key, uploadId, failure("write", key, e));
        } catch (RuntimeException e) {
            throw aborted(key, uploadId, e);
        } catch (Error e) {
            throw aborted(key, uploadId, e);
        }
    }

    /** Aborts the upload so its parts stop costing storage; returns {@code failure} to throw. */
    private <T extends Throwable> T aborted(String key, String uploadId, T failure) {
        try {
            s3.abortMultipartUpload(AbortMultipartUploadRequest.builder()
                    .bucket(bucket)
                    .key(prefix + key)
                    .uploadId(uploadId)
                    .build());
        } catch (SdkException e) {
            failure.addSuppressed(failure("abort the multipart upload of", key, e));
        }
        return failure;
    }

    @Override
    public Optional<byte[]> get(String key) throws IOException {
        ObjectKeys.requireValid(key);
        try {
            return Optional.of(
                    s3.getObjectAsBytes(r -> r.bucket(bucket).key(prefix + key)).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        ObjectKeys.requireValid(key);
        InputStream in;
        try {
            in = s3.getObject(r -> r.bucket(bucket).key(prefix + key));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException(key, null, "no such object in backup target '" + name + "'");
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
        return new FilterInputStream(in) {
            // The SDK may throw its unchecked exceptions from a read; callers of an InputStream expect IOException.
            @Override
            public int read() throws IOException {
                try {
                    return super.read();
                } catch (SdkException e) {
                    throw failure("read", key, e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return super.read(b, off, len);
                } catch (SdkException e) {
                    throw failure("read", key, e);
                }
            }
        };
    }

    @Override
    public boolean exists(String key) throws IOException {
        ObjectKeys.requireValid(key);
        try {
            s3.headObject(r -> r.bucket(bucket).key(prefix + key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false; // a HEAD has no body, so some stores give no NoSuchKey code
            }
            throw failure("check", key, e);
        } catch (SdkException e) {
            throw failure("check", key, e);
        }
    }

    @Override
    public List<ObjectInfo> list(String keyPrefix) throws IOException {
        ObjectKeys.requireValidPrefix(keyPrefix);
        List<ObjectInfo> found = new ArrayList<>();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(
                            r -> r.bucket(bucket).prefix(prefix + keyPrefix).maxKeys(tuning.listPageSize()))
                    .contents()) {
                String key = object.key().substring(prefix.length());
                // Not ours (nothing here writes such a name) and unreadable through this interface:
                // someone else's file under the prefix must not break a backup run.
                if (ObjectKeys.isValid(key)) {
                    found.add(new ObjectInfo(key, object.size(), object.lastModified()));
                }
            }
        } catch (SdkException e) {
            throw failure("list", keyPrefix, e);
        }
        // S3 sorts by UTF-8 bytes, Java strings by UTF-16 units: sort here so every target agrees.
        found.sort(Comparator.comparing(ObjectInfo::key));
        return found;
    }

    @Override
    public void delete(String key) throws IOException {
        ObjectKeys.requireValid(key);
        String full = prefix + key;
        try {
            if (lock == null) {
                s3.deleteObject(r -> r.bucket(bucket).key(full));
                return;
            }
            // A locked bucket is versioned: a plain DELETE there always succeeds and only hides the
            // object behind a delete marker, so retention would never free anything. Delete the
            // versions themselves; S3 refuses while a version is retained, which is the answer the
            // caller needs.
            List<String> versionIds = new ArrayList<>();
            for (ListObjectVersionsResponse page :
                    s3.listObjectVersionsPaginator(r -> r.bucket(bucket).prefix(full))) {
                page.versions().stream().filter(v -> v.key().equals(full)).forEach(v -> versionIds.add(v.versionId()));
                page.deleteMarkers().stream()
                        .filter(m -> m.key().equals(full))
                        .forEach(m -> versionIds.add(m.versionId()));
            }
            for (String versionId : versionIds) {
                s3.deleteObject(r -> r.bucket(bucket).key(full).versionId(versionId));
            }
        } catch (SdkException e) {
            IOException failure = failure("delete", key, e);
            if (lock != null && e instanceof S3Exception s3e && s3e.statusCode() == 403) {
                failure = new IOException(failure.getMessage() + " (is it still under Object Lock retention?)", e);
            }
            throw failure;
        }
    }

    @Override
    public void close() {
        s3.close();
    }

    @Override
    public String toString() {
        return "S3Target[" + name + ", s3://" + bucket + "/" + prefix + "]";
    }

    private void locked(PutObjectRequest.Builder request) {
        request.objectLockMode(lock.mode()).objectLockRetainUntilDate(retainUntil());
    }

    private Instant retainUntil() {
        return clock.instant().plus(lock.retain());
    }

    private IOException failure(String action, String key, SdkException e) {
        return new IOException(
                "backup target '" + name + "': cannot " + action + " '" + key + "' in s3://" + bucket + "/" + prefix
                        + " at " + where + ": " + describe(e),
                e);
    }

    private IOException failure(String action, String key, IOException e) {
        return new IOException("backup target '" + name + "': cannot " + action + " '" + key + "': " + e, e);
    }

    /** What the store (or the connection) said, in words an operator can act on. */
    private static String describe(SdkException e) {
        if (e instanceof S3Exception s3 && s3.awsErrorDetails() != null) {
            return s3.awsErrorDetails().errorCode() + " (HTTP " + s3.statusCode() + "): "
                    + s3.awsErrorDetails().errorMessage();
        }
        if (e instanceof SdkServiceException service) {
            return "HTTP " + service.statusCode() + ": " + service.getMessage();
        }
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
                return "the server's TLS certificate is not trusted (check s3.ca-file): " + t.getMessage();
            }
            root = t;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateException) {
                return "the server's TLS certificate was refused: " + t.getMessage();
            }
        }
        if (root instanceof SSLException) {
            return "TLS handshake failed: " + root.getMessage();
        }
        String message = e.getMessage();
        if (root != e && root.getMessage() != null && (message == null || !message.contains(root.getMessage()))) {
            message = message + " (" + root + ")";
        }
        return message;
    }

    /** A file error in words; NIO's messages hold paths and reasons, never file contents. */
    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static Lock lock(TargetSettings.S3 c, String name) {
        if (c.objectLockMode() == null || c.objectLockMode().isBlank()) {
            return null;
        }
        ObjectLockMode mode =
                switch (c.objectLockMode().trim().toUpperCase(Locale.ROOT)) {
                    case "GOVERNANCE" -> ObjectLockMode.GOVERNANCE;
                    case "COMPLIANCE" -> ObjectLockMode.COMPLIANCE;
                    default ->
                        throw new IllegalArgumentException("backup.targets[].s3.object-lock-mode of target '" + name
                                + "' must be GOVERNANCE or COMPLIANCE, not '" + c.objectLockMode() + "'");
                };
        if (c.objectLockRetain() == null
                || c.objectLockRetain().isNegative()
                || c.objectLockRetain().isZero()) {
            throw new IllegalArgumentException("backup.targets[].s3.object-lock-retain of target '" + name
                    + "' must be a positive duration when object-lock-mode is set");
        }
        return new Lock(mode, c.objectLockRetain());
    }

    private static String required(String value, String key, String target) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(
                    "backup.targets[].s3." + key + " must be set for s3 target '" + target + "'");
        }
        return value;
    }

    /** The trimmed content of a credential file; errors name the file, never what is in it. */
    private static String readSecret(Path file, String what, String target) throws IOException {
        String value;
        try {
            value = Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            // NIO's exceptions carry the path and the reason only, so the cause is safe to keep.
            throw new IOException(
                    "backup target '" + target + "': cannot read the " + what + " file " + file + ": " + describe(e),
                    e);
        }
        if (value.isEmpty()) {
            throw new IllegalArgumentException(
                    "backup target '" + target + "': the " + what + " file " + file + " is empty");
        }
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "backup target {0}: the {1} file {2} is readable by group or others ({3}); chmod 600 it",
                        target,
                        what,
                        file,
                        PosixFilePermissions.toString(mode));
            }
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: nothing to check
        }
        return value;
    }

    private static ProfileFile emptyProfile() {
        return ProfileFile.builder()
                .content("")
                .type(ProfileFile.Type.CONFIGURATION)
                .build();
    }

    /**
     * Whether MD5 can be used here. It is not a security function for us (S3 only wants a
     * transport check), but a JVM whose providers are all FIPS-approved-only refuses it.
     */
    static boolean md5Available() {
        try {
            MessageDigest.getInstance("MD5").digest(new byte[1]);
            return true;
        } catch (NoSuchAlgorithmException | RuntimeException | FipsUnapprovedOperationError e) {
            return false;
        }
    }

    private static String md5(byte[] bytes) {
        try {
            return Base64.getEncoder()
                    .encodeToString(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("MD5 was available when this target was created", e);
        }
    }

    private static String md5(Path file, long offset, long length) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("MD5");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("MD5 was available when this target was created", e);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
            long position = offset;
            long end = offset + length;
            while (position < end) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
                int n = channel.read(buffer, position);
                if (n < 0) {
                    throw new IOException(file + " shrank while it was being uploaded");
                }
                buffer.flip();
                digest.update(buffer);
                position += n;
            }
        }
        return Base64.getEncoder().encodeToString(digest.digest());
    }

    /**
     * One part of a file as a stream the SDK can ask for again on a retry; each new stream closes
     * the one before, and closing the slice closes the last.
     */
    private static final class FileSlice implements ContentStreamProvider, AutoCloseable {
        private final Path file;
        private final long offset;
        private final long length;
        private InputStream current;

        FileSlice(Path file, long offset, long length) {
            this.file = file;
            this.offset = offset;
            this.length = length;
        }

        @Override
        public InputStream newStream() {
            close();
            try {
                FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                current = new SliceStream(channel, offset, offset + length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return current;
        }

        @Override
        public void close() {
            if (current != null) {
                try {
                    current.close();
                } catch (IOException e) {
                    // a read-only channel: nothing is lost
                }
                current = null;
            }
        }
    }

    private static final class SliceStream extends InputStream {
        private final FileChannel channel;
        private final long end;
        private long position;

        SliceStream(FileChannel channel, long start, long end) {
            this.channel = channel;
            this.position = start;
            this.end = end;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (position >= end) {
                return -1;
            }
            int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - position)), position);
            if (n < 0) {
                throw new IOException("file shrank while it was being uploaded");
            }
            position += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
