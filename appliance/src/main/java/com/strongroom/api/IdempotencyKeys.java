package com.strongroom.api;

import com.strongroom.store.MetadataStore;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Optional;

/**
 * {@code Idempotency-Key} on creating POSTs: the first answer is stored and replayed for a retry
 * with the same key and the same request; the same key with a different request is refused.
 */
final class IdempotencyKeys {
    static final String HEADER = "Idempotency-Key";

    record Stored(int status, String response) {}

    private final MetadataStore metadata;

    IdempotencyKeys(MetadataStore metadata) {
        this.metadata = metadata;
    }

    /**
     * One creating request: {@link Attempt#replayed} sends the first answer of a retry, {@link
     * Attempt#remember} stores this one. Without the header both do nothing.
     */
    Attempt attempt(String organizationId, ServerRequest req, String path, byte[] body) {
        return new Attempt(this, organizationId, key(req), hash("POST", path, body));
    }

    record Attempt(IdempotencyKeys keys, String organizationId, Optional<String> key, byte[] requestHash) {
        /** True when a stored answer was sent: the handler must stop there. */
        boolean replayed(ServerResponse res) throws SQLException {
            if (key.isEmpty()) {
                return false;
            }
            Optional<Stored> stored = keys.replay(organizationId, key.get(), requestHash);
            stored.ifPresent(s -> Json.sendText(res, Status.create(s.status()), s.response()));
            return stored.isPresent();
        }

        void remember(int status, String response) throws SQLException {
            if (key.isPresent()) {
                keys.save(organizationId, key.get(), requestHash, status, response);
            }
        }
    }

    static Optional<String> key(ServerRequest req) {
        Optional<String> key = req.headers().first(HeaderNames.create(HEADER)).map(String::strip);
        if (key.isPresent() && (key.get().isEmpty() || key.get().length() > 255)) {
            throw new ApiException(
                    Status.BAD_REQUEST_400, "invalid_idempotency_key", "Idempotency-Key must be 1..255 characters.");
        }
        return key;
    }

    static byte[] hash(String method, String path, byte[] body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((method + " " + path + "\n").getBytes(StandardCharsets.UTF_8));
            sha.update(body);
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The stored answer for a retry; 422 when the key was used for a different request. */
    Optional<Stored> replay(String organizationId, String key, byte[] requestHash) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT request_hash, status, response FROM idempotency_key"
                        + " WHERE organization_id = ? AND idem_key = ?")) {
            ps.setString(1, organizationId);
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                if (!Arrays.equals(rs.getBytes(1), requestHash)) {
                    throw new ApiException(
                            Status.UNPROCESSABLE_CONTENT_422,
                            "idempotency_key_reused",
                            "This Idempotency-Key was already used for a different request.");
                }
                return Optional.of(new Stored(rs.getInt(2), rs.getString(3)));
            }
        }
    }

    void save(String organizationId, String key, byte[] requestHash, int status, String response) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("MERGE INTO idempotency_key (organization_id, idem_key,"
                        + " request_hash, status, response, created_at) KEY (organization_id, idem_key)"
                        + " VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, organizationId);
            ps.setString(2, key);
            ps.setBytes(3, requestHash);
            ps.setInt(4, status);
            ps.setString(5, response);
            ps.setObject(6, OffsetDateTime.now(ZoneOffset.UTC));
            ps.executeUpdate();
        }
    }
}
