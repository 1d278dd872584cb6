package com.strongroom.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.store.H2Database;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the audit trail for one organization, and for the operator also the appliance's own
 * entries (seal, unseal, key rotations, refused requests: no organization's), filtered by actor,
 * action and time. Reading never changes the chain; `strongroom audit verify` proves it intact.
 */
public final class AuditSearch {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param action an exact action, or a prefix ending in "." ({@code dataset.}); null for all
     * @param since inclusive, or null; @param until exclusive, or null
     * @param applianceEntries whether the entries of no organization are included: they name
     *     other organizations' datasets, keys and paths (shreds, purges, refused requests), so
     *     only the appliance's operator sees them
     */
    public record Filter(
            String organizationId,
            boolean applianceEntries,
            String actor,
            String action,
            Instant since,
            Instant until) {}

    public record Page(List<AuditRecord> items, long total) {}

    private final H2Database db;

    public AuditSearch(H2Database db) {
        this.db = db;
    }

    /** Newest first. */
    public Page search(Filter f, int limit, int offset) throws SQLException {
        Where where = where(f);
        try (Connection c = db.connection()) {
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM audit_log WHERE " + where.sql)) {
                where.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            List<AuditRecord> items = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    AuditStore.SELECT + " WHERE " + where.sql + " ORDER BY seq DESC LIMIT ? OFFSET ?")) {
                int next = where.bind(ps);
                ps.setInt(next, limit);
                ps.setInt(next + 1, offset);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        items.add(AuditStore.read(rs));
                    }
                }
            }
            return new Page(items, total);
        }
    }

    /** Every matching entry as JSON lines, oldest first, in the shape of `strongroom audit export`. */
    public long export(Filter f, OutputStream out) throws SQLException, IOException {
        Where where = where(f);
        JsonGenerator gen = JSON.getFactory().createGenerator(out);
        gen.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
        long count = 0;
        try (Connection c = db.connection();
                PreparedStatement ps =
                        c.prepareStatement(AuditStore.SELECT + " WHERE " + where.sql + " ORDER BY seq")) {
            where.bind(ps);
            ps.setFetchSize(500);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    AuditExporter.write(gen, AuditStore.read(rs));
                    gen.writeRaw('\n');
                    count++;
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        gen.flush();
        return count;
    }

    private record Where(String sql, List<Object> values) {
        int bind(PreparedStatement ps) throws SQLException {
            int i = 1;
            for (Object v : values) {
                ps.setObject(i++, v);
            }
            return i;
        }
    }

    private static Where where(Filter f) {
        StringBuilder sql = new StringBuilder(
                f.applianceEntries() ? "(organization = ? OR organization IS NULL)" : "organization = ?");
        List<Object> values = new ArrayList<>(List.of(f.organizationId()));
        if (f.actor() != null) {
            sql.append(" AND actor = ?");
            values.add(f.actor());
        }
        if (f.action() != null) {
            if (f.action().endsWith(".")) {
                sql.append(" AND LEFT(action, ?) = ?");
                values.add(f.action().length());
            } else {
                sql.append(" AND action = ?");
            }
            values.add(f.action());
        }
        if (f.since() != null) {
            sql.append(" AND ts >= ?");
            values.add(OffsetDateTime.ofInstant(f.since(), ZoneOffset.UTC));
        }
        if (f.until() != null) {
            sql.append(" AND ts < ?");
            values.add(OffsetDateTime.ofInstant(f.until(), ZoneOffset.UTC));
        }
        return new Where(sql.toString(), values);
    }
}
