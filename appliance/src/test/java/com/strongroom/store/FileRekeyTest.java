package com.strongroom.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real encrypted H2 file moved to a new file password, and every crash point of that move. */
class FileRekeyTest {
    private static final char[] OLD = "0a1b2c3d4e5f60718293a4b5c6d7e8f9".toCharArray();
    private static final char[] NEW = "f9e8d7c6b5a4938271605f4e3d2c1b0a".toCharArray();

    @TempDir
    Path dir;

    private Connection open(Path db, char[] filePassword) throws SQLException {
        return DriverManager.getConnection("jdbc:h2:file:" + db + ";CIPHER=AES", "sa", new String(filePassword) + " x");
    }

    private Path database() throws Exception {
        Path db = dir.resolve("metadata");
        try (Connection c = open(db, OLD);
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE note (id INT PRIMARY KEY, text VARCHAR(100))");
            s.execute("INSERT INTO note VALUES (1, 'kept across the rekey')");
        }
        Files.writeString(marker(db), "1");
        return db;
    }

    private static Path marker(Path db) {
        return db.resolveSibling("metadata.key-version");
    }

    private String read(Path db, char[] password) throws SQLException {
        try (Connection c = open(db, password);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT text FROM note WHERE id = 1")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void rekey_movesTheFileToTheNewPassword_andRecordsTheVersion() throws Exception {
        Path db = database();
        FileRekey.rekey(db, marker(db), OLD, NEW, 2);
        assertEquals("kept across the rekey", read(db, NEW));
        assertEquals("2", Files.readString(marker(db)));
        assertThrows(SQLException.class, () -> read(db, OLD), "the old password no longer opens it");
        assertFalse(Files.exists(dir.resolve("metadata.rekey")), "no work directory left");
    }

    @Test
    void aCrashBeforeTheRename_leavesTheOldFileUnderTheOldVersion() throws Exception {
        Path db = database();
        // as rekey leaves it just before the rename: the new copy in its work directory, the marker pending
        Path work = Files.createDirectories(dir.resolve("metadata.rekey"));
        Files.copy(dir.resolve("metadata.mv.db"), work.resolve("metadata.mv.db"));
        Files.writeString(dir.resolve("metadata.key-version.rekeyed"), "2");
        FileRekey.recover(db, marker(db));
        assertEquals("1", Files.readString(marker(db)));
        assertFalse(Files.exists(work));
        assertFalse(Files.exists(dir.resolve("metadata.key-version.rekeyed")));
        assertEquals("kept across the rekey", read(db, OLD));
    }

    @Test
    void aCrashAfterTheRename_recordsTheNewVersion() throws Exception {
        Path db = database();
        FileRekey.rekey(db, marker(db), OLD, NEW, 2);
        // as a crash between the two renames leaves it: the new file in place, the marker still pending
        Files.writeString(marker(db), "1");
        Files.writeString(dir.resolve("metadata.key-version.rekeyed"), "2");
        FileRekey.recover(db, marker(db));
        assertEquals("2", Files.readString(marker(db)));
        assertEquals("kept across the rekey", read(db, NEW));
    }
}
