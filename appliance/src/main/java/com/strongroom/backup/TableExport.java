package com.strongroom.backup;

import com.strongroom.store.RowChange;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Reads a table as {@link TablePage}s for a snapshot, so that a snapshot after a small change sends
 * little: rows come in a stable order (creation time where the table has one, so new rows land at
 * the end, then primary key), pages end where a row's key hashes to a boundary (so a row added or
 * removed changes one page, not every page after it), and large values go out as objects of their
 * own, which a target that holds them is never sent again.
 */
final class TableExport {
    /** Byte values larger than this (a document's encrypted original) are stored as objects. */
    static final int INLINE_LIMIT = 4096;
    /** About one row in 64 starts a page. */
    private static final int BOUNDARY_MASK = 63;
    /** A page ends after this many bytes even without a boundary. */
    private static final int MAX_PAGE_BYTES = 1 << 20;

    /** Where pages and large values go. */
    interface Sink {
        /** Stores a large value; returns nothing: the value is content-addressed by its SHA-256. */
        void largeValue(String table, String sha256, byte[] value) throws IOException;

        SnapshotManifest.Page page(TablePage page, byte[] encoded) throws IOException;
    }

    private TableExport() {}

    /**
     * @param where an optional condition (e.g. {@code seq <= ?}), null for every row
     * @param args its arguments
     */
    static List<SnapshotManifest.Page> export(Connection c, String table, String where, List<Object> args, Sink sink)
            throws SQLException, IOException {
        if (!table.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("not a table name: " + table);
        }
        Columns cols = Columns.of(c, table);
        StringBuilder sql = new StringBuilder("SELECT ")
                .append(String.join(", ", cols.names))
                .append(" FROM ")
                .append(table);
        if (where != null) {
            sql.append(" WHERE ").append(where);
        }
        List<String> order = new ArrayList<>();
        if (cols.names.contains("created_at")) {
            order.add("created_at");
        }
        order.addAll(cols.key);
        sql.append(" ORDER BY ").append(String.join(", ", order));

        List<SnapshotManifest.Page> pages = new ArrayList<>();
        List<TablePage.Row> rows = new ArrayList<>();
        long pageBytes = 0;
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> key = new LinkedHashMap<>();
                    Map<String, Object> values = new LinkedHashMap<>();
                    List<TablePage.Ref> refs = new ArrayList<>();
                    long rowBytes = 0;
                    for (int i = 0; i < cols.names.size(); i++) {
                        String name = cols.names.get(i);
                        Object value = read(rs, i + 1);
                        if (cols.key.contains(name)) {
                            key.put(name, value);
                        } else if (value instanceof byte[] b && b.length > INLINE_LIMIT) {
                            String sha = BackupCrypto.sha256(b);
                            sink.largeValue(table, sha, b);
                            refs.add(new TablePage.Ref(name, b.length, sha));
                        } else {
                            values.put(name, value);
                        }
                        rowBytes += estimate(value);
                    }
                    RowChange insert = new RowChange(RowChange.INSERT, table, key, values);
                    if (!rows.isEmpty() && (startsPage(insert) || pageBytes >= MAX_PAGE_BYTES)) {
                        pages.add(flush(table, rows, sink));
                        rows = new ArrayList<>();
                        pageBytes = 0;
                    }
                    rows.add(new TablePage.Row(insert, List.copyOf(refs)));
                    pageBytes += rowBytes;
                }
            }
        }
        if (!rows.isEmpty()) {
            pages.add(flush(table, rows, sink));
        }
        return pages;
    }

    private static SnapshotManifest.Page flush(String table, List<TablePage.Row> rows, TableExport.Sink sink)
            throws IOException {
        TablePage page = new TablePage(table, List.copyOf(rows));
        return sink.page(page, page.encode());
    }

    /** A boundary depends on the row's key alone, never on its position. */
    private static boolean startsPage(RowChange insert) {
        CRC32 crc = new CRC32();
        crc.update(new RowChange(RowChange.INSERT, insert.table(), insert.key(), Map.of()).encode());
        return (crc.getValue() & BOUNDARY_MASK) == 0;
    }

    private static Object read(ResultSet rs, int i) throws SQLException {
        return RowChange.normalise(rs.getObject(i)); // large objects read whole, as the journal does
    }

    private static long estimate(Object v) {
        if (v instanceof byte[] b) {
            return b.length > INLINE_LIMIT ? 80 : b.length;
        }
        if (v instanceof String s) {
            return s.length();
        }
        return 8;
    }

    /** A table's stored columns (generated ones are computed again on load) and its primary key. */
    private record Columns(List<String> names, List<String> key) {
        static Columns of(Connection c, String table) throws SQLException {
            DatabaseMetaData meta = c.getMetaData();
            String upper = table.toUpperCase(Locale.ROOT);
            List<String> names = new ArrayList<>();
            try (ResultSet rs = meta.getColumns(null, "PUBLIC", upper, null)) {
                while (rs.next()) {
                    if (!"YES".equalsIgnoreCase(rs.getString("IS_GENERATEDCOLUMN"))) {
                        names.add(rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
                    }
                }
            }
            java.util.TreeMap<Integer, String> byPosition = new java.util.TreeMap<>();
            try (ResultSet rs = meta.getPrimaryKeys(null, "PUBLIC", upper)) {
                while (rs.next()) {
                    byPosition.put(
                            rs.getInt("KEY_SEQ"), rs.getString("COLUMN_NAME").toLowerCase(Locale.ROOT));
                }
            }
            List<String> key = new ArrayList<>(byPosition.values());
            if (names.isEmpty() || key.isEmpty()) {
                throw new SQLException("table " + table + " has no columns or no primary key to export by");
            }
            for (String n : names) {
                if (!n.matches("[a-z_][a-z0-9_]{0,62}")) {
                    throw new SQLException("table " + table + " has a column named " + n);
                }
            }
            return new Columns(List.copyOf(names), List.copyOf(key));
        }
    }
}
