package com.strongroom.store;

import com.strongroom.crypto.Hkdf;
import com.strongroom.keys.KeyDestroyedException;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealListener;
import com.strongroom.keys.SealedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.logging.Logger;

/**
 * The metadata database (organizations, API keys, later datasets and documents): H2 with
 * CIPHER=AES under a file key derived from the HSM-protected "metadata" DEK. It is open only
 * while unsealed; sealing closes it, so nothing is served from it without the customer's key.
 */
public final class MetadataStore implements SealListener {
    private static final Logger LOG = Logger.getLogger(MetadataStore.class.getName());
    static final String PURPOSE = "metadata";

    private final Path file;
    private volatile H2Database db;
    private volatile int fileKeyVersion;

    public MetadataStore(Path file) {
        this.file = file;
    }

    public H2Database db() {
        H2Database current = db;
        if (current == null) {
            throw new SealedException();
        }
        return current;
    }

    @Override
    public synchronized void afterUnseal(KeyManager keys) {
        open(keys, null);
    }

    /**
     * Opens the database migrated only up to {@code schemaVersion}: a restore loads a snapshot's
     * rows into the schema they were written under, then reopens it with {@link #afterUnseal}.
     */
    public synchronized void openAtSchemaVersion(KeyManager keys, String schemaVersion) {
        open(keys, schemaVersion);
    }

    private void open(KeyManager keys, String schemaVersion) {
        if (db != null) {
            return;
        }
        try {
            FileRekey.recover(file, marker());
            int version = keyVersion(keys);
            int primary = keys.primary(PURPOSE).version();
            if (version != primary && Files.exists(file.resolveSibling(file.getFileName() + ".mv.db"))) {
                // the metadata key was rotated: the file moves to the new version before it opens
                char[] from = password(keys, version);
                char[] to = password(keys, primary);
                long started = System.nanoTime();
                try {
                    FileRekey.rekey(file, marker(), from, to, primary);
                } finally {
                    Arrays.fill(from, '\0');
                    Arrays.fill(to, '\0');
                }
                int old = version;
                LOG.info(() -> "metadata database re-encrypted from metadata v" + old + " to v" + primary + " in "
                        + (System.nanoTime() - started) / 1_000_000 + " ms");
                version = primary;
            }
            fileKeyVersion = version;
            char[] password = password(keys, version);
            try {
                db = H2Database.open(file, "db/metadata", false, password, schemaVersion);
            } finally {
                Arrays.fill(password, '\0');
            }
        } catch (SQLException | IOException | KeyDestroyedException e) {
            throw new IllegalStateException("metadata database cannot be opened: " + e.getMessage(), e);
        }
    }

    private static char[] password(KeyManager keys, int version) throws KeyDestroyedException {
        byte[] fileKey =
                Hkdf.derive(keys.key(PURPOSE, version).bytes(), new byte[0], "strongroom/h2-file/metadata", 32);
        char[] password = java.util.HexFormat.of().formatHex(fileKey).toCharArray();
        Arrays.fill(fileKey, (byte) 0);
        return password;
    }

    private Path marker() {
        return file.resolveSibling(file.getFileName() + ".key-version");
    }

    /** The metadata DEK version the file was last opened under (0 before the first open). */
    public int fileKeyVersion() {
        return fileKeyVersion;
    }

    /**
     * The DEK version the file was created under is kept beside it; a rotated metadata DEK
     * applies once the file is re-encrypted (at the next open), never silently to an existing file.
     */
    private int keyVersion(KeyManager keys) throws IOException {
        Path marker = marker();
        if (Files.exists(marker)) {
            return Integer.parseInt(
                    Files.readString(marker, StandardCharsets.UTF_8).trim());
        }
        int version = keys.primary(PURPOSE).version();
        Files.createDirectories(marker.getParent());
        Files.writeString(marker, Integer.toString(version), StandardCharsets.UTF_8);
        return version;
    }

    @Override
    public synchronized void beforeSeal(KeyManager keys, String reason) {
        H2Database current = db;
        db = null;
        if (current != null) {
            current.close();
            LOG.info("metadata database closed (sealed)");
        }
    }
}
