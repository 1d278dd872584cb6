package com.strongroom.keys;

import com.strongroom.store.H2Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Wrapped keys in H2. Multi-row changes run in one transaction so a crash never half-rotates. */
public final class Keyring {
    private final H2Database db;

    public Keyring(H2Database db) {
        this.db = db;
    }

    public H2Database database() {
        return db;
    }

    public boolean isInitialized() throws SQLException {
        return activeKek().isPresent();
    }

    public Optional<KekRecord> activeKek() throws SQLException {
        try (Connection c = db.connection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT label, state, canary, created_at FROM kek WHERE state = 'ACTIVE'")) {
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(kek(rs)) : Optional.empty();
            }
        }
    }

    public List<KekRecord> keks() throws SQLException {
        List<KekRecord> out = new ArrayList<>();
        try (Connection c = db.connection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT label, state, canary, created_at FROM kek ORDER BY created_at");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(kek(rs));
            }
        }
        return out;
    }

    private static KekRecord kek(ResultSet rs) throws SQLException {
        return new KekRecord(
                rs.getString(1),
                "ACTIVE".equals(rs.getString(2)),
                rs.getBytes(3),
                rs.getObject(4, OffsetDateTime.class));
    }

    public List<DekRecord> deks() throws SQLException {
        return queryDeks("SELECT purpose, version, state, kek_label, wrapped, created_at, destroyed_at FROM dek "
                + "ORDER BY purpose, version");
    }

    public List<DekRecord> deks(String purpose) throws SQLException {
        return queryDeks(
                "SELECT purpose, version, state, kek_label, wrapped, created_at, destroyed_at FROM dek "
                        + "WHERE purpose = ? ORDER BY version",
                purpose);
    }

    public Optional<DekRecord> dek(String purpose, int version) throws SQLException {
        List<DekRecord> found = queryDeks(
                "SELECT purpose, version, state, kek_label, wrapped, created_at, "
                        + "destroyed_at FROM dek WHERE purpose = ? AND version = ?",
                purpose,
                version);
        return found.stream().findFirst();
    }

    public Optional<DekRecord> primary(String purpose) throws SQLException {
        List<DekRecord> found = queryDeks(
                "SELECT purpose, version, state, kek_label, wrapped, created_at, "
                        + "destroyed_at FROM dek WHERE purpose = ? AND state = 'PRIMARY'",
                purpose);
        return found.stream().findFirst();
    }

    private List<DekRecord> queryDeks(String sql, Object... args) throws SQLException {
        List<DekRecord> out = new ArrayList<>();
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new DekRecord(
                            rs.getString(1),
                            rs.getInt(2),
                            DekState.valueOf(rs.getString(3)),
                            rs.getString(4),
                            rs.getBytes(5),
                            rs.getObject(6, OffsetDateTime.class),
                            rs.getObject(7, OffsetDateTime.class)));
                }
            }
        }
        return out;
    }

    /**
     * Fills an empty keyring with records taken from a backup's key manifest, in one transaction:
     * KEKs by label (the keys themselves stay in the HSM), DEKs wrapped as they were.
     */
    public void importRecords(List<KekRecord> keks, List<DekRecord> deks) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps =
                        c.prepareStatement("INSERT INTO kek (label, state, canary, created_at) VALUES (?, ?, ?, ?)")) {
                    for (KekRecord k : keks) {
                        ps.setString(1, k.label());
                        ps.setString(2, k.active() ? "ACTIVE" : "RETIRED");
                        ps.setBytes(3, k.canary());
                        ps.setObject(4, k.createdAt());
                        ps.executeUpdate();
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO dek (purpose, version, state, kek_label,"
                        + " wrapped, created_at, destroyed_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                    for (DekRecord d : deks) {
                        ps.setString(1, d.purpose());
                        ps.setInt(2, d.version());
                        ps.setString(3, d.state().name());
                        ps.setString(4, d.kekLabel());
                        ps.setBytes(5, d.state() == DekState.DESTROYED ? null : d.wrapped());
                        ps.setObject(6, d.createdAt());
                        ps.setObject(7, d.destroyedAt());
                        ps.executeUpdate();
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** First KEK of a new keyring. */
    public void insertActiveKek(String label, byte[] canary) throws SQLException {
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO kek (label, state, canary, created_at) VALUES (?, 'ACTIVE', ?, ?)")) {
            ps.setString(1, label);
            ps.setBytes(2, canary);
            ps.setObject(3, now());
            ps.executeUpdate();
        }
    }

    /**
     * Adds the next version of {@code purpose} as PRIMARY and demotes the previous primary, in one
     * transaction. Returns the new version number.
     */
    public int addPrimary(String purpose, String kekLabel, byte[] wrapped) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                lockActiveKek(c);
                int next;
                try (PreparedStatement ps =
                        c.prepareStatement("SELECT COALESCE(MAX(version), 0) + 1 FROM dek WHERE purpose = ?")) {
                    ps.setString(1, purpose);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        next = rs.getInt(1);
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE dek SET state = 'ENABLED' WHERE purpose = ? AND state = 'PRIMARY'")) {
                    ps.setString(1, purpose);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO dek (purpose, version, state, kek_label, "
                        + "wrapped, created_at) VALUES (?, ?, 'PRIMARY', ?, ?, ?)")) {
                    ps.setString(1, purpose);
                    ps.setInt(2, next);
                    ps.setString(3, kekLabel);
                    ps.setBytes(4, wrapped);
                    ps.setObject(5, now());
                    ps.executeUpdate();
                }
                c.commit();
                return next;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** A re-wrapped DEK under the new KEK; see {@link #switchKek}. */
    public record Rewrapped(String purpose, int version, byte[] wrapped) {}

    /**
     * Makes {@code newLabel} the active KEK, replacing every wrapped DEK in one transaction: the
     * old KEK is retired only once nothing depends on it any more.
     */
    public void switchKek(String newLabel, byte[] newCanary, List<Rewrapped> rewrapped) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps =
                        c.prepareStatement("UPDATE kek SET state = 'RETIRED', retired_at = ? WHERE state = 'ACTIVE'")) {
                    ps.setObject(1, now());
                    ps.executeUpdate();
                }
                try (PreparedStatement ps =
                        c.prepareStatement("MERGE INTO kek (label, state, canary, created_at, retired_at) "
                                + "KEY (label) VALUES (?, 'ACTIVE', ?, ?, NULL)")) {
                    ps.setString(1, newLabel);
                    ps.setBytes(2, newCanary);
                    ps.setObject(3, now());
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE dek SET kek_label = ?, wrapped = ? WHERE purpose = ? AND version = ? AND state <> 'DESTROYED'")) {
                    for (Rewrapped r : rewrapped) {
                        ps.setString(1, newLabel);
                        ps.setBytes(2, r.wrapped());
                        ps.setString(3, r.purpose());
                        ps.setInt(4, r.version());
                        if (ps.executeUpdate() != 1) {
                            throw new SQLException(
                                    "DEK " + r.purpose() + " v" + r.version() + " changed during rotation");
                        }
                    }
                }
                try (PreparedStatement ps =
                        c.prepareStatement("SELECT COUNT(*) FROM dek WHERE state <> 'DESTROYED' AND kek_label <> ?")) {
                    ps.setString(1, newLabel);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (rs.getInt(1) != 0) {
                            throw new SQLException("a DEK was added during KEK rotation; run the rotation again");
                        }
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** An ENABLED version nothing uses any more becomes RETIRED; false if it was not ENABLED. */
    public boolean retire(String purpose, int version) throws SQLException {
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE dek SET state = 'RETIRED' WHERE purpose = ? AND version = ? AND state = 'ENABLED'")) {
            ps.setString(1, purpose);
            ps.setInt(2, version);
            return ps.executeUpdate() == 1;
        }
    }

    /** A RETIRED version found in use again (a write that raced the retirement) is ENABLED again. */
    public boolean reenable(String purpose, int version) throws SQLException {
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE dek SET state = 'ENABLED' WHERE purpose = ? AND version = ? AND state = 'RETIRED'")) {
            ps.setString(1, purpose);
            ps.setInt(2, version);
            return ps.executeUpdate() == 1;
        }
    }

    /** Replaces what is recorded as in use under {@code purpose}'s versions with {@code usage}. */
    public void recordUsage(String purpose, List<DekUsage> usage) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM dek_usage WHERE purpose = ?")) {
                    ps.setString(1, purpose);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO dek_usage (purpose, version, files,"
                        + " file_bytes, originals, original_bytes, journal_entries, api_keys, scanned_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    for (DekUsage u : usage) {
                        ps.setString(1, purpose);
                        ps.setInt(2, u.version());
                        ps.setInt(3, u.files());
                        ps.setLong(4, u.fileBytes());
                        ps.setInt(5, u.originals());
                        ps.setLong(6, u.originalBytes());
                        ps.setInt(7, u.journalEntries());
                        ps.setInt(8, u.apiKeys());
                        ps.setObject(9, u.scannedAt());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Every recorded usage, by purpose and version. */
    public List<DekUsage> usage() throws SQLException {
        List<DekUsage> out = new ArrayList<>();
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement("SELECT purpose, version, files, file_bytes, originals,"
                        + " original_bytes, journal_entries, api_keys, scanned_at FROM dek_usage"
                        + " ORDER BY purpose, version");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new DekUsage(
                        rs.getString(1),
                        rs.getInt(2),
                        rs.getInt(3),
                        rs.getLong(4),
                        rs.getInt(5),
                        rs.getLong(6),
                        rs.getInt(7),
                        rs.getInt(8),
                        rs.getObject(9, OffsetDateTime.class)));
            }
        }
        return out;
    }

    /** Crypto-shredding: forgets the wrapped key for good. Returns false if already destroyed. */
    public boolean destroy(String purpose, int version) throws SQLException {
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE dek SET state = 'DESTROYED', wrapped = NULL, "
                                + "kek_label = NULL, destroyed_at = ? WHERE purpose = ? AND version = ? AND state <> 'DESTROYED'")) {
            ps.setObject(1, now());
            ps.setString(2, purpose);
            ps.setInt(3, version);
            return ps.executeUpdate() == 1;
        }
    }

    /** The active KEK row is the keyring's lock: DEK additions and KEK rotations never interleave. */
    private static void lockActiveKek(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT label FROM kek WHERE state = 'ACTIVE' FOR UPDATE");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the keyring has no active KEK");
            }
        }
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
