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
 * First start with an empty home: creates the default organization, a one-time owner API key and
 * an operator API key, each written to a 0600 file. Only the file's path is logged, never the key.
 */
public final class Bootstrap implements SealListener {
    private static final Logger LOG = Logger.getLogger(Bootstrap.class.getName());
    public static final String DEFAULT_ORGANIZATION = "Default organization";

    private final Organizations organizations;
    private final ApiKeys apiKeys;
    private final AuditLog audit;
    private final Path keyFile;
    private final Path operatorKeyFile;

    /** @param operatorKeyFile where the first operator key goes, for /v1/system/* from the host */
    public Bootstrap(Organizations organizations, ApiKeys apiKeys, AuditLog audit, Path keyFile, Path operatorKeyFile) {
        this.organizations = organizations;
        this.apiKeys = apiKeys;
        this.audit = audit;
        this.keyFile = keyFile;
        this.operatorKeyFile = operatorKeyFile;
    }

    @Override
    public void afterUnseal(KeyManager keys) {
        try {
            if (organizations.any()) {
                return;
            }
            String org = organizations.create(DEFAULT_ORGANIZATION);
            ApiKeys.CreatedKey key = apiKeys.create(org, "bootstrap owner key", Role.OWNER, Set.of("*"), true);
            writeKey(keyFile, key.secret());
            created(org, key, "bootstrap owner key");
            // The owner runs the organization; rotations and backups are the host's, so their key
            // goes only to a file on the host, next to the owner's.
            ApiKeys.CreatedKey operator =
                    apiKeys.create(org, "bootstrap operator key", Role.OPERATOR, Set.of("*"), true);
            writeKey(operatorKeyFile, operator.secret());
            created(org, operator, "bootstrap operator key");
            LOG.info(() -> "first start: created the default organization; the one-time owner API key is in " + keyFile
                    + " (read it, store it safely, then delete the file)");
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("bootstrap failed: " + e.getMessage(), e);
        }
    }

    private void created(String org, ApiKeys.CreatedKey key, String what) {
        audit.record(new AuditEvent(
                Instant.now(),
                "system",
                org,
                "apikey.create",
                key.id(),
                "local",
                AuditEvent.Outcome.SUCCESS,
                null,
                what));
    }

    /** Writes {@code secret} to a 0600 file under a 0700 directory. */
    public static void writeKey(Path keyFile, String secret) throws IOException {
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
