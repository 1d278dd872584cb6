package com.strongroom.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.stream.Stream;
import org.h2.tools.ChangeFileEncryption;

/**
 * Re-encrypts a closed H2 database file (CIPHER=AES) under a new file password, so that a
 * rotated data key applies to the existing file. H2's own tool deletes the original before it
 * moves the new file in; here it works on a copy, and the copy replaces the original by an atomic
 * rename, with the version marker written beside it in two phases: a crash at any point leaves
 * either the old file under the old version or the new one under the new, which {@link
 * #recover} settles at the next open.
 */
final class FileRekey {
    private FileRekey() {}

    private static Path work(Path dbFile) {
        return dbFile.resolveSibling(dbFile.getFileName() + ".rekey");
    }

    private static Path pendingMarker(Path marker) {
        return marker.resolveSibling(marker.getFileName() + ".rekeyed");
    }

    private static Path mvFile(Path dbFile) {
        return dbFile.resolveSibling(dbFile.getFileName() + ".mv.db");
    }

    /**
     * Finishes or undoes a rekey a crash interrupted. With the new file still in its work
     * directory the original was not replaced: the attempt is dropped. Without it, the rename
     * happened: the pending marker becomes the marker.
     */
    static void recover(Path dbFile, Path marker) throws IOException {
        Path pending = pendingMarker(marker);
        Path work = work(dbFile);
        if (Files.isDirectory(work) && Files.exists(work.resolve(dbFile.getFileName() + ".mv.db"))) {
            deleteTree(work);
            Files.deleteIfExists(pending);
            return;
        }
        if (Files.exists(pending)) {
            Files.move(pending, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.isDirectory(work)) {
            deleteTree(work);
        }
    }

    /** Re-encrypts {@code dbFile} (closed) from {@code oldPassword} to {@code newPassword} and records {@code newVersion}. */
    static void rekey(Path dbFile, Path marker, char[] oldPassword, char[] newPassword, int newVersion)
            throws IOException, SQLException {
        Path work = work(dbFile);
        if (Files.exists(work)) {
            deleteTree(work);
        }
        Files.createDirectories(work);
        String name = dbFile.getFileName().toString();
        Path copy = work.resolve(name + ".mv.db");
        Files.copy(mvFile(dbFile), copy);
        ChangeFileEncryption.execute(work.toString(), name, "AES", oldPassword, newPassword, true);
        fsync(copy);
        Path pending = pendingMarker(marker);
        Files.writeString(pending, Integer.toString(newVersion), StandardCharsets.UTF_8);
        fsync(pending);
        Files.move(copy, mvFile(dbFile), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(dbFile.getParent());
        Files.move(pending, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(marker.getParent());
        deleteTree(work);
    }

    private static void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
