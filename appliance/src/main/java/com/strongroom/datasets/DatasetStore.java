package com.strongroom.datasets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.store.MetadataStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** SQL for the dataset table. Every query is scoped by organization: no call can cross it. */
public final class DatasetStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
    private static final String COLUMNS = "id, organization_id, name, description, metadata, embedding_model,"
            + " embedding_dimensions, created_at, updated_at, deleted_at, purge_after";

    /** Sort orders a client may ask for, mapped to fixed SQL (never concatenated from input). */
    public enum Sort {
        CREATED_AT_DESC("created_at DESC, id DESC"),
        CREATED_AT_ASC("created_at ASC, id ASC"),
        NAME_ASC("name ASC, id ASC"),
        NAME_DESC("name DESC, id DESC");

        private final String sql;

        Sort(String sql) {
            this.sql = sql;
        }
    }

    private final MetadataStore metadata;

    public DatasetStore(MetadataStore metadata) {
        this.metadata = metadata;
    }

    /**
     * @throws DuplicateNameException when an active dataset of the organization has the name
     * @throws QuotaExceededException when the organization has {@code maxActive} active datasets
     */
    public void insert(Dataset d, int maxActive) throws SQLException {
        try (Connection c = metadata.db().connection()) {
            c.setAutoCommit(false);
            try {
                requireRoom(c, d.organizationId(), maxActive);
                insert(c, d);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw DuplicateNameException.ifDuplicate(e, d.name());
        }
    }

    private static void requireRoom(Connection c, String organizationId, int maxActive) throws SQLException {
        Quotas.requireRoom(
                c,
                "SELECT id FROM organization WHERE id = ? FOR UPDATE",
                "SELECT COUNT(*) FROM dataset WHERE organization_id = ? AND deleted_at IS NULL AND purged_at IS NULL",
                organizationId,
                maxActive,
                "quotas.datasets-per-organization",
                "The organization has " + maxActive + " active datasets, its quota"
                        + " (quotas.datasets-per-organization); delete one or ask the operator for more.");
    }

    private static void insert(Connection c, Dataset d) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO dataset (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, d.id());
            ps.setString(2, d.organizationId());
            ps.setString(3, d.name());
            ps.setString(4, d.description());
            ps.setString(5, json(d.metadata()));
            ps.setString(6, d.embeddingModel());
            ps.setInt(7, d.embeddingDimensions());
            ps.setObject(8, d.createdAt());
            ps.setObject(9, d.updatedAt());
            ps.setObject(10, d.deletedAt());
            ps.setObject(11, d.purgeAfter());
            ps.executeUpdate();
        }
    }

    /** The dataset, deleted or not, if it belongs to the organization and is not purged. */
    public Optional<Dataset> find(String organizationId, String id) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                        + " FROM dataset WHERE organization_id = ? AND id = ? AND purged_at IS NULL")) {
            ps.setString(1, organizationId);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    public record Page(List<Dataset> items, long total) {}

    /**
     * One page of the organization's active datasets, or with {@code deleted} of those deleted and
     * still restorable (not purged, restore window open).
     */
    public Page list(String organizationId, boolean deleted, Sort sort, int limit, int offset) throws SQLException {
        String where = deleted
                ? "organization_id = ? AND deleted_at IS NOT NULL AND purged_at IS NULL AND purge_after > ?"
                : "organization_id = ? AND deleted_at IS NULL";
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        try (Connection c = metadata.db().connection()) {
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM dataset WHERE " + where)) {
                ps.setString(1, organizationId);
                if (deleted) {
                    ps.setObject(2, now);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            List<Dataset> items = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM dataset WHERE " + where
                    + " ORDER BY " + sort.sql + " LIMIT ? OFFSET ?")) {
                int i = 1;
                ps.setString(i++, organizationId);
                if (deleted) {
                    ps.setObject(i++, now);
                }
                ps.setInt(i++, limit);
                ps.setInt(i, offset);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        items.add(row(rs));
                    }
                }
            }
            return new Page(items, total);
        }
    }

    /** Writes name, description and metadata of an active dataset; false if there is none. */
    public boolean update(Dataset d) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("UPDATE dataset SET name = ?, description = ?, metadata = ?,"
                        + " updated_at = ? WHERE organization_id = ? AND id = ? AND deleted_at IS NULL")) {
            ps.setString(1, d.name());
            ps.setString(2, d.description());
            ps.setString(3, json(d.metadata()));
            ps.setObject(4, d.updatedAt());
            ps.setString(5, d.organizationId());
            ps.setString(6, d.id());
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw DuplicateNameException.ifDuplicate(e, d.name());
        }
    }

    public boolean softDelete(String organizationId, String id, OffsetDateTime at, OffsetDateTime purgeAfter)
            throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("UPDATE dataset SET deleted_at = ?, purge_after = ?,"
                        + " updated_at = ? WHERE organization_id = ? AND id = ? AND deleted_at IS NULL")) {
            ps.setObject(1, at);
            ps.setObject(2, purgeAfter);
            ps.setObject(3, at);
            ps.setString(4, organizationId);
            ps.setString(5, id);
            return ps.executeUpdate() == 1;
        }
    }

    /** @throws DuplicateNameException when an active dataset took the name meanwhile */
    /** @throws QuotaExceededException when the organization has {@code maxActive} active datasets */
    public boolean restore(String organizationId, String id, OffsetDateTime at, String name, int maxActive)
            throws SQLException {
        try (Connection c = metadata.db().connection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("UPDATE dataset SET deleted_at = NULL, purge_after = NULL,"
                    + " updated_at = ? WHERE organization_id = ? AND id = ? AND deleted_at IS NOT NULL"
                    + " AND purge_after > ? AND purged_at IS NULL")) {
                requireRoom(c, organizationId, maxActive);
                ps.setObject(1, at);
                ps.setString(2, organizationId);
                ps.setString(3, id);
                ps.setObject(4, at);
                boolean restored = ps.executeUpdate() == 1;
                c.commit();
                return restored;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw DuplicateNameException.ifDuplicate(e, name);
        }
    }

    /** The organization a dataset belongs to, deleted or not (for entries the appliance makes itself). */
    public Optional<String> organizationOf(String id) {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT organization_id FROM dataset WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            return Optional.empty();
        }
    }

    /** Soft-deleted datasets whose window has passed, across organizations (for the purge job). */
    public List<Dataset> duePurges(OffsetDateTime now) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                        + " FROM dataset WHERE deleted_at IS NOT NULL AND purge_after <= ? AND purged_at IS NULL")) {
            ps.setObject(1, now);
            List<Dataset> due = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    due.add(row(rs));
                }
            }
            return due;
        }
    }

    /**
     * Marks a due dataset purged, in one statement that a restore cannot interleave with: false if
     * it was restored (or purged) meanwhile.
     */
    public boolean claimPurge(String id, OffsetDateTime now) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("UPDATE dataset SET purged_at = ? WHERE id = ?"
                        + " AND deleted_at IS NOT NULL AND purge_after <= ? AND purged_at IS NULL")) {
            ps.setObject(1, now);
            ps.setString(2, id);
            ps.setObject(3, now);
            return ps.executeUpdate() == 1;
        }
    }

    public boolean isPurged(String id) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT 1 FROM dataset WHERE id = ? AND purged_at IS NOT NULL")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    public void markPurged(String id, OffsetDateTime at) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("UPDATE dataset SET purged_at = ? WHERE id = ?")) {
            ps.setObject(1, at);
            ps.setString(2, id);
            ps.executeUpdate();
        }
    }

    private static Dataset row(ResultSet rs) throws SQLException {
        return new Dataset(
                rs.getString("id"),
                rs.getString("organization_id"),
                rs.getString("name"),
                rs.getString("description"),
                map(rs.getString("metadata")),
                rs.getString("embedding_model"),
                rs.getInt("embedding_dimensions"),
                rs.getObject("created_at", OffsetDateTime.class),
                rs.getObject("updated_at", OffsetDateTime.class),
                rs.getObject("deleted_at", OffsetDateTime.class),
                rs.getObject("purge_after", OffsetDateTime.class));
    }

    static String json(Map<String, Object> value) {
        try {
            return JSON.writeValueAsString(value == null ? Map.of() : value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("metadata is not serialisable", e);
        }
    }

    static Map<String, Object> map(String json) {
        try {
            return JSON.readValue(json, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored metadata is not JSON", e);
        }
    }
}
