package com.strongroom.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Applies {@link RowChange}s to a database, and reads whole tables as inserts (for exports). */
public final class RowChanges {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private RowChanges() {}

    /**
     * Applies one change. Inserts are upserts and updates of a missing row do nothing, so a change
     * the database already holds can be applied again: replaying a row's later changes in order
     * still ends in its final state.
     */
    public static void apply(Connection c, RowChange change) throws SQLException {
        String table = identifier(change.table());
        List<Object> args = new ArrayList<>();
        String sql;
        switch (change.op()) {
            case RowChange.INSERT -> {
                Map<String, Object> all = new LinkedHashMap<>(change.key());
                all.putAll(change.values());
                sql = "MERGE INTO " + table + " (" + columns(all.keySet()) + ") KEY ("
                        + columns(change.key().keySet()) + ") VALUES (" + "?, ".repeat(all.size() - 1) + "?)";
                args.addAll(all.values());
            }
            case RowChange.UPDATE -> {
                StringBuilder set = new StringBuilder();
                for (String column : change.values().keySet()) {
                    set.append(set.isEmpty() ? "" : ", ")
                            .append(identifier(column))
                            .append(" = ?");
                }
                sql = "UPDATE " + table + " SET " + set + " WHERE "
                        + where(change.key().keySet());
                args.addAll(change.values().values());
                args.addAll(change.key().values());
            }
            case RowChange.DELETE -> {
                sql = "DELETE FROM " + table + " WHERE " + where(change.key().keySet());
                args.addAll(change.key().values());
            }
            default -> throw new IllegalArgumentException("unknown operation " + change.op());
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            ps.executeUpdate();
        }
    }

    /** Every row of {@code table} as an insert, in primary-key order. */
    public static List<RowChange> dump(Connection c, String table, List<String> keyColumns) throws SQLException {
        String t = identifier(table);
        List<RowChange> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM " + t + " ORDER BY " + columns(keyColumns));
                ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> key = new LinkedHashMap<>();
                Map<String, Object> values = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    String name = meta.getColumnLabel(i).toLowerCase(java.util.Locale.ROOT);
                    Object value = RowChange.normalise(rs.getObject(i));
                    (keyColumns.contains(name) ? key : values).put(name, value);
                }
                rows.add(new RowChange(RowChange.INSERT, table, key, values));
            }
        }
        return rows;
    }

    private static String columns(Iterable<String> names) {
        StringBuilder b = new StringBuilder();
        for (String n : names) {
            b.append(b.isEmpty() ? "" : ", ").append(identifier(n));
        }
        return b.toString();
    }

    private static String where(Iterable<String> names) {
        StringBuilder b = new StringBuilder();
        for (String n : names) {
            b.append(b.isEmpty() ? "" : " AND ").append(identifier(n)).append(" = ?");
        }
        return b.toString();
    }

    private static String identifier(String name) {
        if (!IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException("not a column or table name: " + name);
        }
        return name;
    }
}
