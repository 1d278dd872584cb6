package com.strongroom.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The change journal in the metadata database (see {@code V6__change_journal.sql}): row changes
 * come from {@link JournalTrigger}; index changes are appended here. Entries wait in the table
 * until the backup shipper has written them into a segment ("spooled") and they are older than the
 * local retention; then they are pruned.
 */
public final class ChangeJournal {
    /** generation: the current run of gap-free segments; nextSegment: the number the next one gets. */
    public record State(String generation, long nextSegment, long prunedUpto) {}

    /** The metadata database while it is open (it throws SealedException while sealed). */
    private final java.util.function.Supplier<H2Database> db;

    public ChangeJournal(java.util.function.Supplier<H2Database> db) {
        this.db = db;
    }

    /** Appends an index change in its own transaction; returns its sequence number. */
    public long appendIndex(String datasetId, byte[] payload) throws SQLException {
        try (Connection c = db.get().connection()) {
            return append(c, datasetId, payload);
        }
    }

    private static long append(Connection c, String datasetId, byte[] payload) throws SQLException {
        long seq;
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT NEXT VALUE FOR journal_seq")) {
            rs.next();
            seq = rs.getLong(1);
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO journal (seq, at, kind, dataset_id, payload) VALUES (?, ?, 'index', ?, ?)")) {
            ps.setLong(1, seq);
            ps.setObject(2, OffsetDateTime.now(ZoneOffset.UTC));
            ps.setString(3, datasetId);
            ps.setBytes(4, payload);
            ps.executeUpdate();
        }
        return seq;
    }

    /**
     * A position such that every entry numbered at or below it that has committed is in the table
     * or pruned: what an index commit records. Committed entries only, so it never runs ahead of
     * what the index already holds (index entries are appended after the index change).
     */
    public long position() throws SQLException {
        try (Connection c = db.get().connection();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT GREATEST(COALESCE((SELECT MAX(seq) FROM journal), 0), pruned_upto)"
                                + " FROM journal_state WHERE id = 1")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public State state() throws SQLException {
        try (Connection c = db.get().connection()) {
            return state(c);
        }
    }

    private static State state(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT generation, next_segment, pruned_upto FROM journal_state WHERE id = 1")) {
            rs.next();
            return new State(rs.getString(1), rs.getLong(2), rs.getLong(3));
        }
    }

    /** Entries not yet written into a segment, oldest first. */
    public List<JournalEntry> unspooled(int limit) throws SQLException {
        return unspooled(limit, Long.MAX_VALUE);
    }

    /**
     * As above, but only as many as fit in {@code maxBytes} of payload (at least one): an entry may
     * carry a 10 MB original, and a segment is built in memory.
     */
    public List<JournalEntry> unspooled(int limit, long maxBytes) throws SQLException {
        long last = -1;
        try (Connection c = db.get().connection();
                PreparedStatement ps = c.prepareStatement("SELECT seq, OCTET_LENGTH(payload) FROM journal"
                        + " WHERE spooled = FALSE ORDER BY seq LIMIT ?")) {
            ps.setInt(1, limit);
            long bytes = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    bytes += rs.getLong(2);
                    if (last >= 0 && bytes > maxBytes) {
                        break;
                    }
                    last = rs.getLong(1);
                }
            }
        }
        if (last < 0) {
            return List.of();
        }
        try (Connection c = db.get().connection();
                PreparedStatement ps = c.prepareStatement("SELECT seq, at, kind, dataset_id, payload FROM journal"
                        + " WHERE spooled = FALSE AND seq <= ? ORDER BY seq LIMIT ?")) {
            ps.setLong(1, last);
            ps.setInt(2, limit);
            return read(ps);
        }
    }

    /** Every entry still in the table with a sequence number above {@code after}, oldest first. */
    public List<JournalEntry> entriesAfter(long after, int limit) throws SQLException {
        try (Connection c = db.get().connection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT seq, at, kind, dataset_id, payload FROM journal WHERE seq > ? ORDER BY seq LIMIT ?")) {
            ps.setLong(1, after);
            ps.setInt(2, limit);
            return read(ps);
        }
    }

    private static List<JournalEntry> read(PreparedStatement ps) throws SQLException {
        List<JournalEntry> entries = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                entries.add(new JournalEntry(
                        rs.getLong(1),
                        rs.getObject(2, OffsetDateTime.class).toInstant(),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getBytes(5)));
            }
        }
        return entries;
    }

    /**
     * Records that segment {@code segment} of {@code generation} holds {@code seqs}: marks them
     * spooled and advances the segment counter, in one transaction. False (and nothing changed)
     * when the state moved on meanwhile, e.g. a new generation began.
     */
    public boolean markSpooled(String generation, long segment, List<Long> seqs) throws SQLException {
        try (Connection c = db.get().connection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("UPDATE journal_state SET next_segment = ?"
                        + " WHERE id = 1 AND generation = ? AND next_segment = ?")) {
                    ps.setLong(1, segment + 1);
                    ps.setString(2, generation);
                    ps.setLong(3, segment);
                    if (ps.executeUpdate() != 1) {
                        c.rollback();
                        return false;
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE journal SET spooled = TRUE WHERE seq = ?")) {
                    for (long seq : seqs) {
                        ps.setLong(1, seq);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * Entries still in the table that were written before {@code at} and may hold data of {@code
     * datasetId}: its index changes, and every row image (a document row carries its sealed
     * original). Counted generously: it only delays a key version's retirement.
     */
    public int entriesWrittenBefore(String datasetId, OffsetDateTime at) throws SQLException {
        try (Connection c = db.get().connection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT COUNT(*) FROM journal WHERE at < ? AND (kind = 'row' OR dataset_id = ?)")) {
            ps.setObject(1, at);
            ps.setString(2, datasetId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * Removes spooled entries written before {@code before}. Only a gap-free prefix goes: the
     * highest pruned number becomes {@code pruned_upto}, which must never pass an entry that is
     * still in flight or not yet spooled.
     */
    public int prune(Instant before) throws SQLException {
        try (Connection c = db.get().connection()) {
            c.setAutoCommit(false);
            try {
                long upto;
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT COALESCE(MAX(seq), 0) FROM journal WHERE at < ?"
                                + " AND seq < COALESCE((SELECT MIN(seq) FROM journal WHERE spooled = FALSE), 9223372036854775807)")) {
                    ps.setObject(1, OffsetDateTime.ofInstant(before, ZoneOffset.UTC));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        upto = rs.getLong(1);
                    }
                }
                int removed = 0;
                if (upto > state(c).prunedUpto()) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM journal WHERE seq <= ?")) {
                        ps.setLong(1, upto);
                        removed = ps.executeUpdate();
                    }
                    try (PreparedStatement ps =
                            c.prepareStatement("UPDATE journal_state SET pruned_upto = ? WHERE id = 1")) {
                        ps.setLong(1, upto);
                        ps.executeUpdate();
                    }
                }
                c.commit();
                return removed;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * Starts a new generation: what is in the table is marked spooled (it belongs to a history the
     * targets cannot continue), segment numbers start at 1 again. Returns the new generation.
     */
    public String startGeneration() throws SQLException {
        String generation = "g" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = db.get().connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE journal_state SET generation = ?, next_segment = 1 WHERE id = 1");
                    Statement s = c.createStatement()) {
                ps.setString(1, generation);
                ps.executeUpdate();
                s.executeUpdate("UPDATE journal SET spooled = TRUE");
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        return generation;
    }

    /**
     * Where the journal stands, read in one statement so that the state and the entries present
     * agree: what a snapshot starts from. Every change not in {@code present} and above
     * {@code state.prunedUpto} is replayed on top of it.
     */
    public record Cut(State state, long[] present) {}

    public Cut cut() throws SQLException {
        List<Long> seqs = new ArrayList<>();
        State state = null;
        try (Connection c = db.get().connection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT s.generation, s.next_segment, s.pruned_upto, j.seq"
                        + " FROM journal_state s LEFT JOIN journal j ON TRUE WHERE s.id = 1 ORDER BY j.seq")) {
            while (rs.next()) {
                if (state == null) {
                    state = new State(rs.getString(1), rs.getLong(2), rs.getLong(3));
                }
                long seq = rs.getLong(4);
                if (!rs.wasNull()) {
                    seqs.add(seq);
                }
            }
        }
        if (state == null) {
            throw new SQLException("journal_state has no row");
        }
        return new Cut(state, seqs.stream().mapToLong(Long::longValue).toArray());
    }

    /** The number the next journal entry will get. */
    public long nextSequence() throws SQLException {
        try (Connection c = db.get().connection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT BASE_VALUE FROM INFORMATION_SCHEMA.SEQUENCES WHERE SEQUENCE_NAME = 'JOURNAL_SEQ'")) {
            if (!rs.next()) {
                throw new SQLException("the sequence journal_seq does not exist");
            }
            return rs.getLong(1);
        }
    }

    /**
     * For a database loaded from a snapshot: the journal state it was cut at, and a sequence that
     * continues above every number the history used.
     */
    public void restoreState(State state, long nextSequence) throws SQLException {
        try (Connection c = db.get().connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE journal_state SET generation = ?, next_segment = ?, pruned_upto = ? WHERE id = 1");
                    Statement s = c.createStatement()) {
                ps.setString(1, state.generation());
                ps.setLong(2, state.nextSegment());
                ps.setLong(3, state.prunedUpto());
                ps.executeUpdate();
                s.executeUpdate("DELETE FROM journal");
                c.commit();
                s.execute("ALTER SEQUENCE journal_seq RESTART WITH " + Math.max(1, nextSequence));
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Makes the next journal entry number above {@code seq} (after a replay of entries up to it). */
    public void advanceSequencePast(long seq) throws SQLException {
        if (seq >= nextSequence()) {
            try (Connection c = db.get().connection();
                    Statement s = c.createStatement()) {
                s.execute("ALTER SEQUENCE journal_seq RESTART WITH " + (seq + 1));
            }
        }
    }

    /** After a restore: a fresh history that begins with this database as it now is. */
    public void resetAfterRestore() throws SQLException {
        try (Connection c = db.get().connection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                long max;
                try (ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(seq), 0) FROM journal")) {
                    rs.next();
                    max = rs.getLong(1);
                }
                s.executeUpdate("DELETE FROM journal");
                s.executeUpdate("UPDATE journal_state SET generation = 'g' || REPLACE(CAST(RANDOM_UUID() AS VARCHAR),"
                        + " '-', ''), next_segment = 1, pruned_upto = GREATEST(pruned_upto, " + max + ")");
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
