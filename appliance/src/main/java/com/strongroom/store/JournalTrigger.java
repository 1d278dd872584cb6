package com.strongroom.store;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.h2.api.Trigger;

/**
 * Writes a {@link RowChange} into the journal for every row a statement inserts, updates or
 * deletes, inside the same transaction: a change is journaled exactly when it commits. Updates
 * carry only the columns that changed, so a status change does not copy a document's original.
 * Generated columns are left out (the database computes them again on replay).
 *
 * <p>The sequence number is taken after the row lock is held (an AFTER trigger), so two changes
 * to one row are numbered in the order they commit; replaying a row's changes in sequence order
 * gives its final state.
 */
public final class JournalTrigger implements Trigger {
    /*
     * Embedded H2 fires triggers on the thread that runs the statement. A restore loading a
     * snapshot writes history the backup already holds; journaling it again would number it anew
     * and confuse the replay that follows.
     */
    private static final ThreadLocal<Boolean> SUSPENDED = ThreadLocal.withInitial(() -> false);

    /** Until closed, changes made on this thread are not journaled. */
    public static Suspension suspendOnThisThread() {
        SUSPENDED.set(true);
        return () -> SUSPENDED.set(false);
    }

    /** Ends a {@link #suspendOnThisThread()}. */
    public interface Suspension extends AutoCloseable {
        @Override
        void close();
    }

    private static final String TRIGGER_PREFIX = "journal_";

    private String table;
    private String[] columns;
    private boolean[] generated;
    private int[] keyColumns;

    @Override
    public void init(Connection conn, String schemaName, String triggerName, String tableName, boolean before, int type)
            throws SQLException {
        // Named after the trigger, not the table H2 passes: while ALTER TABLE rebuilds a table, H2
        // initialises its triggers on a temporary copy (e.g. DOCUMENT_COPY_5_8) that is renamed
        // afterwards, and rows journaled under that name could never be replayed.
        this.table = journaledTable(triggerName, tableName);
        DatabaseMetaData meta = conn.getMetaData();
        List<String> names = new ArrayList<>();
        List<Boolean> gen = new ArrayList<>();
        try (ResultSet rs = meta.getColumns(null, schemaName, tableName, null)) {
            while (rs.next()) {
                int position = rs.getInt("ORDINAL_POSITION");
                while (names.size() < position) {
                    names.add(null);
                    gen.add(false);
                }
                names.set(position - 1, rs.getString("COLUMN_NAME").toLowerCase(java.util.Locale.ROOT));
                gen.set(position - 1, "YES".equalsIgnoreCase(rs.getString("IS_GENERATEDCOLUMN")));
            }
        }
        Set<String> key = new HashSet<>();
        try (ResultSet rs = meta.getPrimaryKeys(null, schemaName, tableName)) {
            while (rs.next()) {
                key.add(rs.getString("COLUMN_NAME").toLowerCase(java.util.Locale.ROOT));
            }
        }
        if (key.isEmpty()) {
            throw new SQLException("journaled table " + tableName + " has no primary key");
        }
        columns = names.toArray(String[]::new);
        generated = new boolean[gen.size()];
        for (int i = 0; i < generated.length; i++) {
            generated[i] = gen.get(i);
        }
        keyColumns = new int[key.size()];
        int k = 0;
        for (int i = 0; i < columns.length; i++) {
            if (key.contains(columns[i])) {
                keyColumns[k++] = i;
            }
        }
    }

    /** Triggers are created as {@code journal_<table>} (V6__change_journal.sql). */
    static String journaledTable(String triggerName, String tableName) {
        String trigger = triggerName.toLowerCase(java.util.Locale.ROOT);
        if (!trigger.startsWith(TRIGGER_PREFIX) || trigger.length() == TRIGGER_PREFIX.length()) {
            throw new IllegalStateException("journal trigger " + triggerName + " on " + tableName + " is not named "
                    + TRIGGER_PREFIX + "<table>");
        }
        return trigger.substring(TRIGGER_PREFIX.length());
    }

    @Override
    public void fire(Connection conn, Object[] oldRow, Object[] newRow) throws SQLException {
        if (SUSPENDED.get()) {
            return;
        }
        RowChange change;
        if (oldRow == null) {
            change = new RowChange(RowChange.INSERT, table, key(newRow), values(null, newRow));
        } else if (newRow == null) {
            change = new RowChange(RowChange.DELETE, table, key(oldRow), Map.of());
        } else {
            Map<String, Object> oldKey = key(oldRow);
            Map<String, Object> newKey = key(newRow);
            if (!sameValues(oldKey, newKey)) {
                append(conn, new RowChange(RowChange.DELETE, table, oldKey, Map.of()));
                change = new RowChange(RowChange.INSERT, table, newKey, values(null, newRow));
            } else {
                Map<String, Object> changed = values(oldRow, newRow);
                if (changed.isEmpty()) {
                    return;
                }
                change = new RowChange(RowChange.UPDATE, table, newKey, changed);
            }
        }
        append(conn, change);
    }

    private Map<String, Object> key(Object[] row) throws SQLException {
        Map<String, Object> key = new LinkedHashMap<>();
        for (int i : keyColumns) {
            key.put(columns[i], RowChange.normalise(row[i]));
        }
        return key;
    }

    /** All non-generated columns of {@code row}, or only those that differ from {@code old}. */
    private Map<String, Object> values(Object[] old, Object[] row) throws SQLException {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < columns.length; i++) {
            if (generated[i]) {
                continue;
            }
            Object value = RowChange.normalise(row[i]);
            if (old != null && same(RowChange.normalise(old[i]), value)) {
                continue;
            }
            values.put(columns[i], value);
        }
        return values;
    }

    private static boolean sameValues(Map<String, Object> a, Map<String, Object> b) {
        for (Map.Entry<String, Object> e : a.entrySet()) {
            if (!same(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean same(Object a, Object b) {
        if (a instanceof byte[] x && b instanceof byte[] y) {
            return Arrays.equals(x, y);
        }
        if (a instanceof OffsetDateTime x && b instanceof OffsetDateTime y) {
            return x.isEqual(y);
        }
        return Objects.equals(a, b);
    }

    private static void append(Connection conn, RowChange change) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "INSERT INTO journal (seq, at, kind, payload) VALUES (NEXT VALUE FOR journal_seq, ?, 'row', ?)")) {
            ps.setObject(1, OffsetDateTime.now(ZoneOffset.UTC));
            ps.setBytes(2, change.encode());
            ps.executeUpdate();
        }
    }
}
