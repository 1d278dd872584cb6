package com.strongroom.backup;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One configured backup target ({@code backup.targets[i]}). Credentials are only ever paths to
 * files, never values in the configuration.
 *
 * @param name unique among the targets: [a-z0-9-]{1,40}
 * @param type {@code directory} or {@code s3}
 * @param path the directory (type directory)
 * @param snapshotRetention snapshots older than this are deleted (thinned to one a day after 30 days)
 * @param journalRetention journal segments older than this are deleted
 * @param s3 the bucket settings (type s3), else null
 */
public record TargetSettings(
        String name, String type, Path path, Duration snapshotRetention, Duration journalRetention, S3 s3) {

    /**
     * @param endpoint e.g. https://minio.internal:9000; null = AWS's regional endpoint
     * @param region signing region (any value for most S3-compatible stores)
     * @param bucket must exist
     * @param prefix prepended to every key ("" or ending in '/')
     * @param pathStyle true for most S3-compatible stores (bucket in the path, not the host name)
     * @param caFile PEM certificates to trust for the endpoint (a customer CA); null = the JDK's
     * @param accessKeyIdFile file holding the access key id
     * @param secretAccessKeyFile file holding the secret access key (mode 0600)
     * @param objectLockMode null, GOVERNANCE or COMPLIANCE: each upload is locked for objectLockRetain
     * @param objectLockRetain how long an upload stays locked
     */
    public record S3(
            URI endpoint,
            String region,
            String bucket,
            String prefix,
            boolean pathStyle,
            Path caFile,
            Path accessKeyIdFile,
            Path secretAccessKeyFile,
            String objectLockMode,
            Duration objectLockRetain) {}
}
