package com.strongroom.auth;

import com.strongroom.audit.AuditEvent;
import com.strongroom.audit.AuditLog;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealListener;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Set;
import java.util.logging.Logger;

/**
 * First start with an empty home: creates the default organization and a one-time owner API
 * key, written to a 0600 file. Only the file's path is logged, never the key.
 */
public final class Bootstrap implements SealListener {
    private static final Logger LOG = Logger.getLogger(Bootstrap.class.getName());
    public static final String DEFAULT_ORGANIZATION = "Default organization";

    private final Organizations organizations;
    private final ApiKeys apiKeys;
    private final AuditLog audit;
    private final Path keyFile;

    public Bootstrap(Organizations organizations, ApiKeys apiKeys, AuditLog audit, Path keyFile) {
        this.organizations = organizations;
        this.apiKeys = apiKeys;
        this.audit = audit;
        this.keyFile = keyFile;
    }

    @Override
    public void afterUnseal(KeyManager keys) {
        try {
            if (organizations.any()) {
                return;
            }
            String org = organizations.create(DEFAULT_ORGANIZATION);
            ApiKeys.CreatedKey key = apiKeys.create(org, "bootstrap owner key", Role.OWNER, Set.of("*"), true);
            writeOwnerKey(key.secret());
            audit.record(new AuditEvent(
                    Instant.now(),
                    "system",
                    org,
                    "apikey.create",
                    key.id(),
                    "local",
                    AuditEvent.Outcome.SUCCESS,
                    null,
                    "bootstrap owner key"));
            LOG.info(() -> "first start: created the default organization; the one-time owner API key is in " + keyFile
                    + " (read it, store it safely, then delete the file)");
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("bootstrap failed: " + e.getMessage(), e);
        }
    }

    private void writeOwnerKey(String secret) throws IOException {
        Files.createDirectories(
                keyFile.getParent(),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.deleteIfExists(keyFile);
        // Created with 0600 from the start, so the key is never readable by others, even briefly.
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out =
                Files.newOutputStream(keyFile, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write((secret + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
