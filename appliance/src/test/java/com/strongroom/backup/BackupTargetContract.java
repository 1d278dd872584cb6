package com.strongroom.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.backup.BackupTarget.ObjectInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link BackupTarget} must do, run against each implementation on a real store (a
 * directory, a real S3 server process). One target serves a whole class; each test works under
 * its own key prefix, the test's name, so tests never see each other's objects.
 */
abstract class BackupTargetContract {
    static final long MIB = 1024 * 1024;

    /** The target under test, shared by the class's tests. */
    abstract BackupTarget target();

    /** Objects of the listing test: more than the target lists in one page where it pages. */
    int manyObjects() {
        return 1100;
    }

    /** Bytes of the large-file round trip: above the target's multipart threshold where it has one. */
    long largeFileBytes() {
        return 80 * MIB + 12_345;
    }

    String ns;

    @TempDir
    Path scratch;

    @BeforeEach
    void namespace(TestInfo info) {
        ns = info.getTestMethod().orElseThrow().getName() + "/";
    }

    @Test
    void putThenGet_returnsTheSameBytes() throws Exception {
        byte[] bytes = "manifest v1\n".getBytes(StandardCharsets.UTF_8);
        target().put(ns + "snapshots/s1/manifest", bytes);
        assertArrayEquals(bytes, target().get(ns + "snapshots/s1/manifest").orElseThrow());
    }

    @Test
    void putFileThenOpen_streamsTheSameBytes() throws Exception {
        Path file = randomFile(scratch.resolve("segment"), 300_000, 1);
        target().put(ns + "journal/000001", file);
        try (InputStream in = target().open(ns + "journal/000001")) {
            assertArrayEquals(Files.readAllBytes(file), in.readAllBytes());
        }
    }

    @Test
    void emptyObject_roundTrips() throws Exception {
        target().put(ns + "empty", new byte[0]);
        assertArrayEquals(new byte[0], target().get(ns + "empty").orElseThrow());
        assertEquals(List.of(0L), sizes(target().list(ns)));
    }

    @Test
    void put_overwritesTheObject() throws Exception {
        target().put(ns + "k", "first, and longer".getBytes(StandardCharsets.UTF_8));
        target().put(ns + "k", "second".getBytes(StandardCharsets.UTF_8));
        assertEquals("second", new String(target().get(ns + "k").orElseThrow(), StandardCharsets.UTF_8));
        assertEquals(List.of(ns + "k"), keys(target().list(ns)));
    }

    @Test
    void get_ofAMissingKey_isEmpty() throws Exception {
        assertEquals(Optional.empty(), target().get(ns + "not/there"));
    }

    @Test
    void open_ofAMissingKey_throwsNoSuchFileExceptionNamingTheKey() {
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> target().open(ns + "not/there"));
        assertEquals(ns + "not/there", e.getFile());
        assertTrue(e.getMessage().contains(ns + "not/there"), e.getMessage());
        assertTrue(e.getMessage().contains("'" + target().name() + "'"), e.getMessage());
    }

    @Test
    void exists_followsPutAndDelete() throws Exception {
        assertFalse(target().exists(ns + "a"));
        target().put(ns + "a", new byte[] {1});
        assertTrue(target().exists(ns + "a"));
        target().delete(ns + "a");
        assertFalse(target().exists(ns + "a"));
        assertEquals(Optional.empty(), target().get(ns + "a"));
    }

    @Test
    void delete_ofAMissingKey_isNotAnError() throws Exception {
        target().delete(ns + "never/written");
        assertEquals(List.of(), target().list(ns));
    }

    @Test
    void list_returnsTheKeysUnderThePrefix_sortedWithSizes() throws Exception {
        Instant before = Instant.now().minusSeconds(5);
        for (String key :
                List.of("objects/b2/x", "objects/a1", "objects/ab/y", "objects/ab/c/z", "objectsX", "other")) {
            target().put(ns + key, key.getBytes(StandardCharsets.UTF_8));
        }
        List<ObjectInfo> all = target().list(ns);
        assertEquals(
                List.of(
                                ns + "objectsX",
                                ns + "objects/a1",
                                ns + "objects/ab/c/z",
                                ns + "objects/ab/y",
                                ns + "objects/b2/x",
                                ns + "other")
                        .stream()
                        .sorted()
                        .toList(),
                keys(all));
        for (ObjectInfo info : all) {
            assertEquals(info.key().length() - ns.length(), info.size(), info.key());
            assertTrue(
                    info.lastModified().isAfter(before)
                            && info.lastModified().isBefore(Instant.now().plusSeconds(5)),
                    info.toString());
        }
        // a prefix may stop in the middle of a segment
        assertEquals(
                List.of(ns + "objects/a1", ns + "objects/ab/c/z", ns + "objects/ab/y"),
                keys(target().list(ns + "objects/a")));
        assertEquals(List.of(ns + "objects/ab/c/z", ns + "objects/ab/y"), keys(target().list(ns + "objects/ab/")));
        assertEquals(List.of(), target().list(ns + "objects/zz"));
        assertEquals(List.of(), target().list(ns + "nothing/here/"));
    }

    @Test
    void list_returnsMoreThanOnePageOfObjects() throws Exception {
        int count = manyObjects();
        List<String> expected = new ArrayList<>();
        // A few writers at once, as a backup run would; S3 lists them in pages of 1,000.
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = ns + "objects/" + String.format("%05d", (i * 7919) % count);
                expected.add(key);
                writes.add(pool.submit((Callable<Void>) () -> {
                    target().put(key, key.getBytes(StandardCharsets.UTF_8));
                    return null;
                }));
            }
            for (Future<?> write : writes) {
                write.get();
            }
        }
        List<ObjectInfo> listed = target().list(ns + "objects/");
        assertEquals(expected.stream().sorted().toList(), keys(listed));
    }

    @Test
    void largeFile_roundTripsWithTheSameSha256() throws Exception {
        Path file = randomFile(scratch.resolve("big"), largeFileBytes(), 42);
        long start = System.nanoTime();
        target().put(ns + "snapshots/big", file);
        Duration put = Duration.ofNanos(System.nanoTime() - start);
        String sent = sha256(file);
        String received;
        try (InputStream in = target().open(ns + "snapshots/big")) {
            received = sha256(in);
        }
        assertEquals(sent, received);
        assertEquals(List.of(Files.size(file)), sizes(target().list(ns + "snapshots/big")));
        System.out.println(target().name() + ": put of " + Files.size(file) + " bytes took " + put.toMillis() + " ms");
    }

    @Test
    void badKeys_areRejectedNamingTheKey() {
        for (String key :
                List.of("", "/abs", "a/../b", "..", "a/..", "a\\b", "a//b", "a/", "a/.hidden", ".tmp", "a\nb")) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> target().put(key, new byte[1]), key);
            if (!key.isEmpty()) {
                String shown = key.replace("\n", "\\u000a");
                assertTrue(e.getMessage().contains("'" + shown + "'"), e.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> target().get(key), key);
            assertThrows(IllegalArgumentException.class, () -> target().open(key), key);
            assertThrows(IllegalArgumentException.class, () -> target().delete(key), key);
        }
        assertThrows(IllegalArgumentException.class, () -> target().list("../"));
        assertThrows(IllegalArgumentException.class, () -> target().list("/"));
    }

    static Path randomFile(Path file, long size, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] chunk = new byte[(int) Math.min(size, MIB)];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(left, chunk.length));
            }
        }
        return file;
    }

    static String sha256(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in);
        }
    }

    static String sha256(InputStream in) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static List<String> keys(List<ObjectInfo> infos) {
        return infos.stream().map(ObjectInfo::key).toList();
    }

    static List<Long> sizes(List<ObjectInfo> infos) {
        return infos.stream().map(ObjectInfo::size).toList();
    }
}
