package com.strongroom.backup;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupTargetsTest {
    @TempDir
    Path dir;

    @Test
    void directoryType_opensADirectoryTarget() throws Exception {
        try (BackupTarget t = BackupTargets.open(settings("local", "directory"))) {
            assertInstanceOf(DirectoryTarget.class, t);
        }
    }

    @Test
    void unknownType_isRejectedNamingTheSetting() {
        for (String type : new String[] {"ftp", "S3", "", null}) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> BackupTargets.open(settings("local", type)), type);
            assertTrue(e.getMessage().contains("backup.targets[].type"), e.getMessage());
        }
    }

    @Test
    void badName_isRejectedNamingTheSetting() {
        for (String name : new String[] {"Local", "a b", "", null, "x".repeat(41)}) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> BackupTargets.open(settings(name, "directory")), name);
            assertTrue(e.getMessage().contains("backup.targets[].name"), e.getMessage());
        }
    }

    @Test
    void s3TypeWithoutS3Settings_isRejectedNamingTheSetting() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> BackupTargets.open(settings("offsite", "s3")));
        assertTrue(e.getMessage().contains("backup.targets[].s3"), e.getMessage());
    }

    private TargetSettings settings(String name, String type) {
        return new TargetSettings(name, type, dir.resolve("t"), Duration.ofDays(90), Duration.ofDays(30), null);
    }
}
