package com.strongroom.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where backups go: a directory (local disk or NFS) or an S3-compatible bucket. Keys are relative,
 * '/'-separated names such as {@code objects/ab/ab12…} or {@code snapshots/2026-…}; a target never
 * interprets them. Everything written is already ciphertext or authenticated by a manifest: a
 * target needs no key and is not trusted to return what it was given.
 */
public interface BackupTarget extends AutoCloseable {
    /** One stored object. */
    record ObjectInfo(String key, long size, Instant lastModified) {}

    /** The configured name, e.g. {@code local} or {@code offsite}. */
    String name();

    /** Stores {@code bytes} under {@code key}, replacing what was there, durably before returning. */
    void put(String key, byte[] bytes) throws IOException;

    /** Stores the file's bytes under {@code key} (streamed: files may be gigabytes). */
    void put(String key, Path file) throws IOException;

    /** The whole object, or empty when there is none; for small objects (manifests, segments). */
    Optional<byte[]> get(String key) throws IOException;

    /** The object as a stream; {@link java.nio.file.NoSuchFileException} naming the key when absent. */
    InputStream open(String key) throws IOException;

    boolean exists(String key) throws IOException;

    /** Every object whose key starts with {@code prefix}, sorted by key. */
    List<ObjectInfo> list(String prefix) throws IOException;

    /**
     * Removes the object; absent is not an error. A store that holds the object under retention
     * (Object Lock) refuses with an IOException naming the key.
     */
    void delete(String key) throws IOException;

    @Override
    void close();
}
