package com.strongroom.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.h2.api.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keyring's way of being shared: a password on the auto-server, set once on older files. */
class SharedDatabaseTest {
    @TempDir
    Path dir;

    @Test
    void aDatabaseWithoutPassword_getsItOnFirstSharedOpen_andThenRefusesTheEmptyOne() throws Exception {
        Path file = dir.resolve("keyring/keyring");
        H2Database.open(file, "db/keyring", false, null).close(); // as keyrings were made before
        char[] password = LocalPassword.loadOrCreate(dir.resolve("keyring/keyring.password"));
        try (H2Database shared = H2Database.openShared(file, "db/keyring", password)) {
            assertTrue(shared.schemaVersion().length() > 0);
            String url = "jdbc:h2:file:" + file + ";AUTO_SERVER=TRUE";
            SQLException refused =
                    assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "strongroom", "")
                            .close());
            assertEquals(ErrorCode.WRONG_USER_OR_PASSWORD, refused.getErrorCode());
            try (Connection c = DriverManager.getConnection(url, "strongroom", new String(password))) {
                assertTrue(c.isValid(2));
            }
        }
        // and it stays set: the next open with the same password needs no migration
        H2Database.openShared(file, "db/keyring", password).close();
    }

    @Test
    void theWrongPassword_isRefusedWithAReason_andTheDatabaseIsUntouched() throws Exception {
        Path file = dir.resolve("keyring/keyring");
        char[] right = LocalPassword.loadOrCreate(dir.resolve("a.password"));
        H2Database.openShared(file, "db/keyring", right).close();
        char[] wrong = LocalPassword.loadOrCreate(dir.resolve("b.password"));
        SQLException e = assertThrows(SQLException.class, () -> H2Database.openShared(file, "db/keyring", wrong));
        assertTrue(e.getMessage().contains("password other than the one this home holds"), e.getMessage());
        assertFalse(e.getMessage().contains(new String(wrong)), "the message holds no password");
        H2Database.openShared(file, "db/keyring", right).close();
    }

    @Test
    void thePasswordFile_isTheOwnersAlone_andAReadableOneIsRefused() throws Exception {
        Path f = dir.resolve("p.password");
        char[] first = LocalPassword.loadOrCreate(f);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(new String(first), new String(LocalPassword.loadOrCreate(f)), "made once, then read");
        assertTrue(first.length >= 40, "256 random bits");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> LocalPassword.loadOrCreate(f));
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
    }
}
