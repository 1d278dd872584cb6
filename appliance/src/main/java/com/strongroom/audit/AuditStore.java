package com.strongroom.audit;

import com.strongroom.store.H2Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.function.Consumer;

/** Rows of the audit chain in H2. Only appends and the one-time chaining of pending rows. */
final class AuditStore {
    static final String SELECT = "SELECT seq, ts, actor, organization, action, target, source, outcome, request_id,"
            + " detail, key_version, mac FROM audit_log";

    private final H2Database db;

    AuditStore(H2Database db) {
        this.db = db;
    }

    H2Database db() {
        return db;
    }

    record Head(long seq, byte[] mac) {}

    static Head lockHead(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, mac FROM audit_head WHERE id = 1 FOR UPDATE");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("audit_head row is missing: the audit log has been tampered with");
            }
            return new Head(rs.getLong(1), rs.getBytes(2));
        }
    }

    static Head readHead(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, mac FROM audit_head WHERE id = 1");
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new Head(rs.getLong(1), rs.getBytes(2)) : null;
        }
    }

    static void updateHead(Connection c, long seq, byte[] mac) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE audit_head SET seq = ?, mac = ? WHERE id = 1")) {
            ps.setLong(1, seq);
            ps.setBytes(2, mac);
            ps.executeUpdate();
        }
    }

    static long maxSeq(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM audit_log");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void insert(Connection c, long seq, AuditEvent e, Integer keyVersion, byte[] mac) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_log (seq, ts, actor, organization, action, "
                + "target, source, outcome, request_id, detail, key_version, mac) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")) {
            ps.setLong(1, seq);
            ps.setObject(2, OffsetDateTime.ofInstant(e.time(), ZoneOffset.UTC));
            ps.setString(3, e.actor());
            ps.setString(4, e.organization());
            ps.setString(5, e.action());
            ps.setString(6, e.target());
            ps.setString(7, e.source());
            ps.setString(8, e.outcome().name());
            ps.setString(9, e.requestId());
            ps.setString(10, e.detail());
            if (keyVersion == null) {
                ps.setNull(11, Types.INTEGER);
            } else {
                ps.setInt(11, keyVersion);
            }
            ps.setBytes(12, mac);
            ps.executeUpdate();
        }
    }

    static void chain(Connection c, long seq, int keyVersion, byte[] mac) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("UPDATE audit_log SET key_version = ?, mac = ? WHERE seq = ? AND mac IS NULL")) {
            ps.setInt(1, keyVersion);
            ps.setBytes(2, mac);
            ps.setLong(3, seq);
            if (ps.executeUpdate() != 1) {
                throw new SQLException("pending audit entry " + seq + " vanished while chaining");
            }
        }
    }

    /** Streams rows in chain order from {@code afterSeq} on; {@code limit} < 0 means all. */
    static void scan(Connection c, long afterSeq, Consumer<AuditRecord> sink) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE seq > ? ORDER BY seq")) {
            ps.setLong(1, afterSeq);
            ps.setFetchSize(500);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sink.accept(read(rs));
                }
            }
        }
    }

    static AuditRecord read(ResultSet rs) throws SQLException {
        AuditEvent.Outcome outcome;
        try {
            outcome = AuditEvent.Outcome.valueOf(rs.getString(8));
        } catch (IllegalArgumentException e) {
            outcome = AuditEvent.Outcome.FAILURE;
        }
        String actor = rs.getString(3);
        String action = rs.getString(5);
        // A tampered row may break the event's invariants; keep it readable so verify can name it.
        AuditEvent event = new AuditEvent(
                rs.getObject(2, OffsetDateTime.class).toInstant(),
                actor == null || actor.isBlank() ? "<invalid>" : actor,
                rs.getString(4),
                action == null || action.isBlank() ? "<invalid>" : action,
                rs.getString(6),
                rs.getString(7),
                outcome,
                rs.getString(9),
                rs.getString(10));
        int version = rs.getInt(11);
        Integer keyVersion = rs.wasNull() ? null : version;
        return new AuditRecord(rs.getLong(1), event, keyVersion, rs.getBytes(12));
    }
}
