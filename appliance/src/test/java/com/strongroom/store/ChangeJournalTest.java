package com.strongroom.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal triggers on real H2 files with the product's migrations: every committed change is
 * journaled, a rolled-back one is not, updates carry only what changed, and replaying the journal
 * onto an older copy of the database gives the newer one.
 */
class ChangeJournalTest {
    @TempDir
    Path dir;

    private static final OffsetDateTime T = OffsetDateTime.of(2026, 12, 1, 9, 0, 0, 0, ZoneOffset.UTC);

    @Test
    void committedChanges_areJournaled_rolledBackOnesAreNot() throws Exception {
        try (H2Database db = H2Database.open(dir.resolve("m"), "db/metadata", false, null)) {
            try (Connection c = db.connection()) {
                insertOrganization(c, "org_1", "Acme");
                c.setAutoCommit(false);
                insertOrganization(c, "org_2", "Rolled back");
                c.rollback();
            }
            List<RowChange> changes = rows(db);
            assertEquals(1, changes.size(), changes.toString());
            assertEquals(RowChange.INSERT, changes.get(0).op());
            assertEquals("organization", changes.get(0).table());
            assertEquals("org_1", changes.get(0).key().get("id"));
            assertEquals("Acme", changes.get(0).values().get("name"));
        }
    }

    @Test
    void anUpdate_carriesOnlyTheColumnsThatChanged_andLeavesGeneratedColumnsOut() throws Exception {
        try (H2Database db = H2Database.open(dir.resolve("m"), "db/metadata", false, null)) {
            try (Connection c = db.connection()) {
                insertOrganization(c, "org_1", "Acme");
                insertDataset(c, "ds_1", "Reports");
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("UPDATE dataset SET description = 'quarterly' WHERE id = 'ds_1'");
                }
            }
            List<RowChange> changes = rows(db);
            RowChange insert = changes.get(1);
            assertFalse(insert.values().containsKey("active_name"), "generated columns are computed again on replay");
            RowChange update = changes.get(2);
            assertEquals(RowChange.UPDATE, update.op());
            assertEquals(java.util.Set.of("description"), update.values().keySet());
        }
    }

    @Test
    void replayingTheJournal_ontoAnOlderCopy_givesTheNewerDatabase() throws Exception {
        try (H2Database live = H2Database.open(dir.resolve("live"), "db/metadata", false, null);
                H2Database copy = H2Database.open(dir.resolve("copy"), "db/metadata", false, null)) {
            try (Connection c = live.connection()) {
                insertOrganization(c, "org_1", "Acme");
                insertDataset(c, "ds_1", "Reports");
                insertDataset(c, "ds_2", "Drafts");
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("UPDATE dataset SET name = 'Final reports' WHERE id = 'ds_1'");
                    s.executeUpdate("UPDATE dataset SET deleted_at = CURRENT_TIMESTAMP WHERE id = 'ds_2'");
                    s.executeUpdate("INSERT INTO document (id, dataset_id, organization_id, content_type, size_bytes,"
                            + " metadata, status, key_version, content, created_at, updated_at) VALUES ('doc_1', 'ds_1',"
                            + " 'org_1', 'text/plain', 3, '{}', 'processing', 1, X'010203', CURRENT_TIMESTAMP,"
                            + " CURRENT_TIMESTAMP)");
                    s.executeUpdate("UPDATE document SET status = 'ready', chunks_created = 1 WHERE id = 'doc_1'");
                    s.executeUpdate(
                            "INSERT INTO member (organization_id, user_id, role, first_sign_in_at,"
                                    + " last_sign_in_at) VALUES ('org_1', 'u1', 'viewer', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
                    s.executeUpdate("DELETE FROM member WHERE user_id = 'u1'");
                }
            }
            // Applied twice: a change the copy already holds can be applied again.
            for (int pass = 0; pass < 2; pass++) {
                try (Connection c = copy.connection()) {
                    for (RowChange change : rows(live)) {
                        RowChanges.apply(c, change);
                    }
                }
            }
            assertEquals(
                    dump(
                            live,
                            "SELECT id, name, description, deleted_at IS NOT NULL, active_name FROM dataset ORDER BY id"),
                    dump(
                            copy,
                            "SELECT id, name, description, deleted_at IS NOT NULL, active_name FROM dataset ORDER BY id"));
            assertEquals(
                    dump(live, "SELECT id, status, chunks_created, content FROM document"),
                    dump(copy, "SELECT id, status, chunks_created, content FROM document"));
            assertEquals("0|", dump(copy, "SELECT COUNT(*) FROM member").get(0));
        }
    }

    @Test
    void pruning_keepsWhatIsNotSpooled_andRecordsTheMark() throws Exception {
        try (H2Database db = H2Database.open(dir.resolve("m"), "db/metadata", false, null)) {
            try (Connection c = db.connection()) {
                insertOrganization(c, "org_1", "Acme");
                insertOrganization(c, "org_2", "Beta");
            }
            ChangeJournal journal = new ChangeJournal(() -> db);
            List<JournalEntry> entries = journal.unspooled(10);
            assertEquals(2, entries.size());
            ChangeJournal.State state = journal.state();
            assertTrue(journal.markSpooled(
                    state.generation(),
                    state.nextSegment(),
                    List.of(entries.get(0).seq())));
            assertFalse(
                    journal.markSpooled(state.generation(), state.nextSegment(), List.of()),
                    "a segment number is used once");
            journal.prune(Instant.now().plusSeconds(60));
            assertEquals(entries.get(0).seq(), journal.state().prunedUpto());
            assertEquals(
                    List.of(entries.get(1).seq()),
                    journal.unspooled(10).stream().map(JournalEntry::seq).toList());
            assertArrayEquals(
                    entries.get(1).payload(), journal.unspooled(10).get(0).payload());
        }
    }

    private static void insertOrganization(Connection c, String id, String name) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO organization (id, name, created_at) VALUES (?, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, name);
            ps.setObject(3, T);
            ps.executeUpdate();
        }
    }

    private static void insertDataset(Connection c, String id, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO dataset (id, organization_id, name, metadata,"
                        + " embedding_model, embedding_dimensions, created_at, updated_at) VALUES (?, 'org_1', ?, '{}', 'm', 3, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, name);
            ps.setObject(3, T);
            ps.setObject(4, T);
            ps.executeUpdate();
        }
    }

    private static List<RowChange> rows(H2Database db) throws Exception {
        List<RowChange> out = new ArrayList<>();
        try (Connection c = db.connection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT payload FROM journal WHERE kind = 'row' ORDER BY seq")) {
            while (rs.next()) {
                out.add(RowChange.decode(rs.getBytes(1)));
            }
        }
        return out;
    }

    private static List<String> dump(H2Database db, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.connection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    if (v instanceof java.sql.Blob blob) {
                        v = blob.getBytes(1, (int) blob.length());
                    }
                    row.append(v instanceof byte[] b ? java.util.HexFormat.of().formatHex(b) : String.valueOf(v))
                            .append('|');
                }
                out.add(row.toString());
            }
        }
        return out;
    }
}
