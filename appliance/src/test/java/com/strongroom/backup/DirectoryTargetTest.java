package com.strongroom.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryTargetTest extends BackupTargetContract {
    @TempDir
    static Path base;

    static Path root;
    static BackupTarget target;

    @BeforeAll
    static void open() throws Exception {
        root = base.resolve("backups/local");
        target = BackupTargets.open(settings("local", root));
    }

    @AfterAll
    static void close() {
        target.close();
    }

    static TargetSettings settings(String name, Path path) {
        return new TargetSettings(name, "directory", path, Duration.ofDays(90), Duration.ofDays(30), null);
    }

    @Override
    BackupTarget target() {
        return target;
    }

    @Test
    void filesAre0600_andDirectories0700() throws Exception {
        target.put(ns + "objects/ab/ab12", new byte[] {1, 2, 3});
        assertEquals("rwx------", mode(root));
        assertEquals("rwx------", mode(root.resolve(ns)));
        assertEquals("rwx------", mode(root.resolve(ns + "objects/ab")));
        assertEquals("rw-------", mode(root.resolve(ns + "objects/ab/ab12")));
        target.put(ns + "objects/ab/ab34", Files.write(scratch.resolve("f"), new byte[] {4}));
        assertEquals("rw-------", mode(root.resolve(ns + "objects/ab/ab34")));
    }

    @Test
    void keysMapToFilesUnderTheDirectory() throws Exception {
        target.put(ns + "snapshots/s1/manifest", new byte[] {7});
        assertTrue(Files.isRegularFile(
                root.resolve(ns).resolve("snapshots").resolve("s1").resolve("manifest")));
    }

    @Test
    void list_skipsTempFiles() throws Exception {
        target.put(ns + "a", new byte[] {1});
        // what a crash between write and rename leaves behind
        Files.write(root.resolve(ns).resolve(".a.123456.tmp"), new byte[] {9});
        Files.createDirectories(root.resolve(ns).resolve(".stray"));
        Files.write(root.resolve(ns).resolve(".stray/b"), new byte[] {9});
        assertEquals(List.of(ns + "a"), keys(target.list(ns)));
        assertEquals(
                List.of(ns + "a"),
                keys(target.list("")).stream().filter(k -> k.startsWith(ns)).toList());
    }

    @Test
    void putOfAMissingFile_failsNamingTheTargetAndKey_andLeavesNoTempFile() throws Exception {
        target.put(ns + "x/keep", new byte[] {1});
        IOException e = assertThrows(IOException.class, () -> target.put(ns + "x/y", scratch.resolve("absent")));
        assertTrue(e.getMessage().contains("'local'") && e.getMessage().contains(ns + "x/y"), e.getMessage());
        assertFalse(target.exists(ns + "x/y"));
        try (Stream<Path> files = Files.list(root.resolve(ns + "x"))) {
            assertEquals(
                    List.of("keep"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void overwrite_leavesNoTempFile() throws Exception {
        for (int i = 0; i < 5; i++) {
            target.put(ns + "k", new byte[i]);
        }
        try (Stream<Path> files = Files.list(root.resolve(ns))) {
            assertEquals(
                    List.of("k"), files.map(p -> p.getFileName().toString()).toList());
        }
        assertEquals(4, target.get(ns + "k").orElseThrow().length);
    }

    @Test
    void aFileWhereADirectoryOfKeysBelongs_failsNamingTheKey() throws Exception {
        target.put(ns + "a", new byte[] {1});
        IOException e = assertThrows(IOException.class, () -> target.put(ns + "a/b", new byte[] {2}));
        assertTrue(e.getMessage().contains(ns + "a/b") && e.getMessage().contains("'local'"), e.getMessage());
    }

    @Test
    void theDirectoryIsCreatedWhenMissing() throws Exception {
        Path fresh = base.resolve("new/deeper/target");
        try (BackupTarget t = BackupTargets.open(settings("fresh", fresh))) {
            assertTrue(Files.isDirectory(fresh));
            assertEquals("rwx------", mode(fresh));
            assertEquals(List.of(), t.list(""));
        }
    }

    @Test
    void aDirectoryTargetWithoutAPath_isRejectedNamingTheSetting() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> BackupTargets.open(settings("nopath", null)));
        assertTrue(e.getMessage().contains("backup.targets[].path"), e.getMessage());
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
