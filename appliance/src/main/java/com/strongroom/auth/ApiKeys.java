package com.strongroom.auth;

import com.strongroom.crypto.Hkdf;
import com.strongroom.crypto.Hmac;
import com.strongroom.keys.DekRecord;
import com.strongroom.keys.DekState;
import com.strongroom.keys.KeyDestroyedException;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.VersionedKey;
import com.strongroom.store.MetadataStore;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * API keys: `sr_live_…` / `sr_test_…`, shown once, stored only as HMAC-SHA256 under a key
 * derived from the HSM-protected "apikeys" DEK, so a stolen database cannot even be brute-forced
 * offline without the customer's HSM.
 */
public final class ApiKeys {
    static final String PURPOSE = "apikeys";
    private static final Pattern FORMAT = Pattern.compile("sr_(live|test)_[0-9A-Za-z]{40,60}");
    private static final String INFO = "strongroom/api-key-hash/v1";

    private static final long TOUCH_INTERVAL_MILLIS = 60_000;

    private final MetadataStore metadata;
    private final KeyManager keys;
    private final Map<String, Long> lastTouched = new ConcurrentHashMap<>();

    public ApiKeys(MetadataStore metadata, KeyManager keys) {
        this.metadata = metadata;
        this.keys = keys;
    }

    /** The plaintext is in {@code secret} only; it is not stored anywhere. */
    public record CreatedKey(String id, String secret) {}

    public CreatedKey create(String organizationId, String name, Role role, Set<String> scopes, boolean live)
            throws SQLException {
        return create(organizationId, name, role, scopes, live, null, null);
    }

    /**
     * @param expiresAt null for a key that does not expire
     * @param createdBy the actor id of whoever asked for it; null for the appliance itself
     */
    public CreatedKey create(
            String organizationId,
            String name,
            Role role,
            Set<String> scopes,
            boolean live,
            OffsetDateTime expiresAt,
            String createdBy)
            throws SQLException {
        String secret = "sr_" + (live ? "live" : "test") + "_" + Ids.base62(32);
        String id = Ids.create("key");
        VersionedKey hashKey = keys.primary(PURPOSE);
        byte[] hash = hash(hashKey.key().bytes(), secret);
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO api_key (id, organization_id, name, "
                        + "display_prefix, hash, hash_key_version, role, scopes, created_at, expires_at, created_by)"
                        + " VALUES (?,?,?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, id);
            ps.setString(2, organizationId);
            ps.setString(3, name);
            ps.setString(4, secret.substring(0, 12));
            ps.setBytes(5, hash);
            ps.setInt(6, hashKey.version());
            ps.setString(7, role.name());
            ps.setString(8, String.join(" ", new TreeSet<>(scopes)));
            ps.setObject(9, OffsetDateTime.now(ZoneOffset.UTC));
            ps.setObject(10, expiresAt);
            ps.setString(11, createdBy);
            ps.executeUpdate();
        }
        return new CreatedKey(id, secret);
    }

    private static final String COLUMNS = "id, organization_id, name, display_prefix, role, scopes, created_at, "
            + "expires_at, last_used_at, revoked_at, created_by";

    /**
     * The organization's keys of {@code upTo} or a lower role, revoked ones included, newest
     * first. Keys above the caller's role are not theirs to see or revoke: an admin listing and
     * revoking the owner's keys would be a way up.
     */
    public List<ApiKey> list(String organizationId, Role upTo, int limit, int offset) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                        + " FROM api_key WHERE organization_id = ? AND " + rolesUpTo(upTo)
                        + " ORDER BY created_at DESC, id LIMIT ? OFFSET ?")) {
            int i = bind(ps, organizationId, upTo);
            ps.setInt(i++, limit);
            ps.setInt(i, offset);
            List<ApiKey> keys = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(row(rs));
                }
            }
            return keys;
        }
    }

    public int count(String organizationId, Role upTo) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT COUNT(*) FROM api_key WHERE organization_id = ? AND " + rolesUpTo(upTo))) {
            bind(ps, organizationId, upTo);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** The key {@code id} if it belongs to {@code organizationId} and its role is at most {@code upTo}. */
    public Optional<ApiKey> find(String organizationId, Role upTo, String id) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                        + " FROM api_key WHERE organization_id = ? AND " + rolesUpTo(upTo) + " AND id = ?")) {
            int i = bind(ps, organizationId, upTo);
            ps.setString(i, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    /**
     * Revokes the key at once: the next request with it is refused. Revoking a revoked key keeps
     * the first revocation time. Empty, and nothing revoked, for a key above {@code upTo}.
     */
    public Optional<ApiKey> revoke(String organizationId, Role upTo, String id) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("UPDATE api_key SET revoked_at = ? "
                        + "WHERE organization_id = ? AND " + rolesUpTo(upTo) + " AND id = ? AND revoked_at IS NULL")) {
            ps.setObject(1, OffsetDateTime.now(ZoneOffset.UTC));
            int i = bind(ps, organizationId, upTo, 2);
            ps.setString(i, id);
            ps.executeUpdate();
        }
        return find(organizationId, upTo, id);
    }

    private static String rolesUpTo(Role upTo) {
        return "role IN (" + String.join(", ", java.util.Collections.nCopies(upTo.ordinal() + 1, "?")) + ")";
    }

    private static int bind(PreparedStatement ps, String organizationId, Role upTo) throws SQLException {
        return bind(ps, organizationId, upTo, 1);
    }

    /** Binds the organization and the roles up to {@code upTo} from {@code first}; the next index. */
    private static int bind(PreparedStatement ps, String organizationId, Role upTo, int first) throws SQLException {
        int i = first;
        ps.setString(i++, organizationId);
        for (Role r : Role.values()) {
            if (upTo.atLeast(r)) {
                ps.setString(i++, r.name());
            }
        }
        return i;
    }

    private static ApiKey row(ResultSet rs) throws SQLException {
        String scopes = rs.getString(6);
        return new ApiKey(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                Role.valueOf(rs.getString(5)),
                scopes.isBlank() ? Set.of() : new TreeSet<>(Arrays.asList(scopes.split(" "))),
                rs.getObject(7, OffsetDateTime.class),
                rs.getObject(8, OffsetDateTime.class),
                rs.getObject(9, OffsetDateTime.class),
                rs.getObject(10, OffsetDateTime.class),
                rs.getString(11));
    }

    /** Records use at most once a minute per key: one write per request would dominate reads. */
    private void touch(String id) {
        long now = System.currentTimeMillis();
        Long last = lastTouched.get(id);
        if (last != null && now - last < TOUCH_INTERVAL_MILLIS) {
            return;
        }
        lastTouched.put(id, now);
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("UPDATE api_key SET last_used_at = ? WHERE id = ?")) {
            ps.setObject(1, OffsetDateTime.now(ZoneOffset.UTC));
            ps.setString(2, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            // a missed usage time is not worth failing the request over
        }
    }

    /** Empty for anything that is not a live, unrevoked, unexpired key. */
    public Optional<Principal> authenticate(String presented) throws SQLException {
        if (presented == null || !FORMAT.matcher(presented).matches()) {
            return Optional.empty();
        }
        // the primary version first: after a rotation, keys move to it as they are used
        VersionedKey primary = keys.primary(PURPOSE);
        List<Integer> versions = new ArrayList<>();
        List<byte[]> candidates = new ArrayList<>();
        versions.add(primary.version());
        candidates.add(hash(primary.key().bytes(), presented));
        try {
            for (DekRecord record : keys.keyring().deks(PURPOSE)) {
                if (record.state() != DekState.DESTROYED && record.version() != primary.version()) {
                    versions.add(record.version());
                    candidates.add(hash(keys.key(PURPOSE, record.version()).bytes(), presented));
                }
            }
        } catch (KeyDestroyedException e) {
            // Destroyed between listing and use: keys hashed under it are dead anyway.
        }
        try (Connection c = metadata.db().connection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT id, organization_id, role, scopes, expires_at, revoked_at "
                                + "FROM api_key WHERE hash = ?")) {
            for (int i = 0; i < candidates.size(); i++) {
                byte[] hash = candidates.get(i);
                ps.setBytes(1, hash);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        OffsetDateTime expires = rs.getObject(5, OffsetDateTime.class);
                        if (rs.getObject(6) != null || (expires != null && expires.isBefore(OffsetDateTime.now()))) {
                            return Optional.empty();
                        }
                        if (i > 0) {
                            rehash(c, rs.getString(1), hash, candidates.get(0), primary.version());
                        }
                        String scopes = rs.getString(4);
                        touch(rs.getString(1));
                        return Optional.of(new Principal(
                                rs.getString(1),
                                rs.getString(2),
                                Role.valueOf(rs.getString(3)),
                                scopes.isBlank() ? Set.of() : Set.of(scopes.split(" "))));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /**
     * A key hashed under an older version is hashed again under the primary one the first time
     * it is presented (the secret is at hand only then), so that the old version can retire.
     */
    private static void rehash(Connection c, String id, byte[] oldHash, byte[] newHash, int version) {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE api_key SET hash = ?, hash_key_version = ? WHERE id = ? AND hash = ?")) {
            ps.setBytes(1, newHash);
            ps.setInt(2, version);
            ps.setString(3, id);
            ps.setBytes(4, oldHash);
            ps.executeUpdate();
        } catch (SQLException e) {
            // tried again at the next use; the key keeps working under its old version meanwhile
        }
    }

    /**
     * Keys that can still authenticate (not revoked, not expired), by the version of the key
     * their hash is under: a version with none left protects nothing.
     */
    public Map<Integer, Integer> liveKeysByHashVersion() throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT hash_key_version, COUNT(*) FROM api_key"
                        + " WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)"
                        + " GROUP BY hash_key_version")) {
            ps.setObject(1, OffsetDateTime.now(ZoneOffset.UTC));
            Map<Integer, Integer> out = new java.util.TreeMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getInt(2));
                }
            }
            return out;
        }
    }

    private static byte[] hash(byte[] dek, String secret) {
        byte[] hashKey = Hkdf.derive(dek, new byte[0], INFO, 32);
        try {
            return Hmac.sha256(hashKey, secret.getBytes(StandardCharsets.UTF_8));
        } finally {
            Arrays.fill(hashKey, (byte) 0);
        }
    }
}
