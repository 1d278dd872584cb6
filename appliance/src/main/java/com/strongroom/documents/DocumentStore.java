package com.strongroom.documents;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.datasets.QuotaExceededException;
import com.strongroom.datasets.Quotas;
import com.strongroom.store.MetadataStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** SQL for the document table; reads are scoped by organization and dataset. */
public final class DocumentStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
    private static final String COLUMNS = "id, dataset_id, organization_id, filename, content_type, size_bytes,"
            + " metadata, status, chunks_created, failure_reason, created_at, updated_at";

    private final MetadataStore metadata;

    public DocumentStore(MetadataStore metadata) {
        this.metadata = metadata;
    }

    /**
     * Inserts the row with its sealed original; status PROCESSING queues it. Returns once the row
     * is forced onto the disk, so that an upload answered with 202 survives a power cut.
     *
     * @throws QuotaExceededException when the dataset holds {@code maxDocuments} documents
     */
    public void insert(Document d, int keyVersion, byte[] sealedContent, int maxDocuments) throws SQLException {
        try (Connection c = metadata.db().connection()) {
            c.setAutoCommit(false);
            try {
                requireRoom(c, d.datasetId(), maxDocuments);
                insert(c, d, keyVersion, sealedContent);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        metadata.db().sync();
    }

    private static void requireRoom(Connection c, String datasetId, int maxDocuments) throws SQLException {
        Quotas.requireRoom(
                c,
                "SELECT id FROM dataset WHERE id = ? FOR UPDATE",
                "SELECT COUNT(*) FROM document WHERE dataset_id = ? AND deleted_at IS NULL",
                datasetId,
                maxDocuments,
                "quotas.documents-per-dataset",
                "The dataset holds " + maxDocuments + " documents, its quota"
                        + " (quotas.documents-per-dataset); delete some or ask the operator for more.");
    }

    private static void insert(Connection c, Document d, int keyVersion, byte[] sealedContent) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO document (" + COLUMNS
                + ", key_version, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, d.id());
            ps.setString(2, d.datasetId());
            ps.setString(3, d.organizationId());
            ps.setString(4, d.filename());
            ps.setString(5, d.contentType());
            ps.setLong(6, d.sizeBytes());
            ps.setString(7, json(d.metadata()));
            ps.setString(8, d.status().name());
            ps.setObject(9, d.chunksCreated());
            ps.setString(10, d.failureReason());
            ps.setObject(11, d.createdAt());
            ps.setObject(12, d.updatedAt());
            ps.setInt(13, keyVersion);
            ps.setBytes(14, sealedContent);
            ps.executeUpdate();
        }
    }

    public Optional<Document> find(String organizationId, String datasetId, String id) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT " + COLUMNS + " FROM document WHERE organization_id = ?"
                                + " AND dataset_id = ? AND id = ? AND deleted_at IS NULL")) {
            ps.setString(1, organizationId);
            ps.setString(2, datasetId);
            ps.setString(3, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    public record Page(List<Document> items, long total) {}

    public Page list(String organizationId, String datasetId, int limit, int offset) throws SQLException {
        String where = " FROM document WHERE organization_id = ? AND dataset_id = ? AND deleted_at IS NULL";
        try (Connection c = metadata.db().connection()) {
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*)" + where)) {
                ps.setString(1, organizationId);
                ps.setString(2, datasetId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            List<Document> items = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + COLUMNS + where + " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?")) {
                ps.setString(1, organizationId);
                ps.setString(2, datasetId);
                ps.setInt(3, limit);
                ps.setInt(4, offset);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        items.add(row(rs));
                    }
                }
            }
            return new Page(items, total);
        }
    }

    /** A queued document and its sealed original, for the worker; {@code attempts} tries so far. */
    public record Queued(Document document, int keyVersion, byte[] sealedContent, int attempts) {}

    /** Why a FAILED document failed: the document itself, or a fault it can be re-queued after. */
    public enum FailureKind {
        DOCUMENT,
        FAULT
    }

    /**
     * Queued documents due at {@code now} (not waiting out a retry delay), at most {@code limit},
     * taken fairly: organizations in turn, and within one its datasets in turn, oldest first in
     * each, so one tenant's backlog cannot hold back another's first document.
     */
    public List<Queued> queued(int limit, OffsetDateTime now) throws SQLException {
        String due = "SELECT id, organization_id, created_at,"
                + " ROW_NUMBER() OVER (PARTITION BY dataset_id ORDER BY created_at, id) AS dataset_turn"
                + " FROM document WHERE status = 'PROCESSING' AND deleted_at IS NULL"
                + " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)";
        String turns = "SELECT id, ROW_NUMBER() OVER (PARTITION BY organization_id"
                + " ORDER BY dataset_turn, created_at, id) AS turn FROM (" + due + ") d";
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT " + prefixed("x.", COLUMNS)
                        + ", x.key_version, x.content, x.attempts FROM document x JOIN (" + turns + ") t ON t.id = x.id"
                        + " ORDER BY t.turn, x.created_at, x.id LIMIT ?")) {
            ps.setObject(1, now);
            ps.setInt(2, limit);
            List<Queued> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Queued(
                            row(rs), rs.getInt("key_version"), rs.getBytes("content"), rs.getInt("attempts")));
                }
            }
            return out;
        }
    }

    private static String prefixed(String prefix, String columns) {
        return prefix + columns.replace(", ", ", " + prefix);
    }

    /**
     * Leaves a document PROCESSING after a fault and sets when to try it again; false if it was
     * deleted or finished meanwhile.
     */
    public boolean defer(String id, OffsetDateTime nextAttempt) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("UPDATE document SET attempts = attempts + 1,"
                        + " next_attempt_at = ? WHERE id = ? AND status = 'PROCESSING' AND deleted_at IS NULL")) {
            ps.setObject(1, nextAttempt);
            ps.setString(2, id);
            return ps.executeUpdate() == 1;
        }
    }

    /** Records the outcome unless the document was deleted meanwhile; false then. */
    public boolean finish(String id, Document.Status status, Integer chunks, String failureReason, OffsetDateTime at)
            throws SQLException {
        return finish(
                id, status, chunks, failureReason, status == Document.Status.FAILED ? FailureKind.DOCUMENT : null, at);
    }

    /** As above, saying why a FAILED document failed. */
    public boolean finish(
            String id,
            Document.Status status,
            Integer chunks,
            String failureReason,
            FailureKind kind,
            OffsetDateTime at)
            throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("UPDATE document SET status = ?, chunks_created = ?,"
                        + " failure_reason = ?, failure_kind = ?, attempts = 0, next_attempt_at = NULL, updated_at = ?"
                        + " WHERE id = ? AND deleted_at IS NULL")) {
            ps.setString(1, status.name());
            ps.setObject(2, chunks);
            ps.setString(3, failureReason);
            ps.setString(4, kind == null ? null : kind.name());
            ps.setObject(5, at);
            ps.setString(6, id);
            return ps.executeUpdate() == 1;
        }
    }

    /** What {@link #requeue} did. */
    public enum Requeue {
        REQUEUED,
        NOT_FOUND,
        NOT_FAILED,
        FAILED_BY_DOCUMENT
    }

    /** Puts a document a fault failed back in the queue, from its stored original. */
    public Requeue requeue(String organizationId, String datasetId, String id, OffsetDateTime at) throws SQLException {
        try (Connection c = metadata.db().connection()) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE document SET status = 'PROCESSING',"
                    + " chunks_created = NULL, failure_reason = NULL, failure_kind = NULL, attempts = 0,"
                    + " next_attempt_at = NULL, updated_at = ? WHERE organization_id = ? AND dataset_id = ?"
                    + " AND id = ? AND deleted_at IS NULL AND status = 'FAILED' AND failure_kind = 'FAULT'")) {
                ps.setObject(1, at);
                ps.setString(2, organizationId);
                ps.setString(3, datasetId);
                ps.setString(4, id);
                if (ps.executeUpdate() == 1) {
                    return Requeue.REQUEUED;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT status, failure_kind FROM document"
                    + " WHERE organization_id = ? AND dataset_id = ? AND id = ? AND deleted_at IS NULL")) {
                ps.setString(1, organizationId);
                ps.setString(2, datasetId);
                ps.setString(3, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Requeue.NOT_FOUND;
                    }
                    return "FAILED".equals(rs.getString(1)) ? Requeue.FAILED_BY_DOCUMENT : Requeue.NOT_FAILED;
                }
            }
        }
    }

    /** Marks the document deleted and drops its sealed original; false if there was none. */
    public boolean delete(String organizationId, String datasetId, String id, OffsetDateTime at) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE document SET deleted_at = ?, updated_at = ?,"
                                + " content = X'' WHERE organization_id = ? AND dataset_id = ? AND id = ? AND deleted_at IS NULL")) {
            ps.setObject(1, at);
            ps.setObject(2, at);
            ps.setString(3, organizationId);
            ps.setString(4, datasetId);
            ps.setString(5, id);
            return ps.executeUpdate() == 1;
        }
    }

    /** Stored originals under one data-key version: how many, and their sealed bytes. */
    public record OriginalsUsage(int count, long bytes) {}

    /** The dataset's stored originals by the key version they are sealed under. */
    public Map<Integer, OriginalsUsage> originalsByKeyVersion(String datasetId) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT key_version, COUNT(*), SUM(OCTET_LENGTH(content))"
                        + " FROM document WHERE dataset_id = ? AND OCTET_LENGTH(content) > 0"
                        + " GROUP BY key_version")) {
            ps.setString(1, datasetId);
            Map<Integer, OriginalsUsage> out = new java.util.TreeMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), new OriginalsUsage(rs.getInt(2), rs.getLong(3)));
                }
            }
            return out;
        }
    }

    /** A sealed original as stored, for re-encryption under another key version. */
    public record StoredOriginal(String id, int keyVersion, byte[] sealedContent) {}

    /** Up to {@code limit} of the dataset's originals sealed under another version than {@code version}. */
    public List<StoredOriginal> originalsNotUnder(String datasetId, int version, int limit) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT id, key_version, content FROM document"
                        + " WHERE dataset_id = ? AND key_version <> ? AND OCTET_LENGTH(content) > 0"
                        + " ORDER BY id LIMIT ?")) {
            ps.setString(1, datasetId);
            ps.setInt(2, version);
            ps.setInt(3, limit);
            List<StoredOriginal> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StoredOriginal(rs.getString(1), rs.getInt(2), rs.getBytes(3)));
                }
            }
            return out;
        }
    }

    /**
     * Replaces an original with the same content sealed under {@code version}; false when it
     * changed meanwhile (deleted, or re-encrypted by someone else), which leaves it as it is.
     */
    public boolean replaceOriginal(String id, int fromVersion, int version, byte[] sealedContent) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("UPDATE document SET key_version = ?, content = ?"
                        + " WHERE id = ? AND key_version = ? AND OCTET_LENGTH(content) > 0")) {
            ps.setInt(1, version);
            ps.setBytes(2, sealedContent);
            ps.setString(3, id);
            ps.setInt(4, fromVersion);
            return ps.executeUpdate() == 1;
        }
    }

    private static Document row(ResultSet rs) throws SQLException {
        return new Document(
                rs.getString("id"),
                rs.getString("dataset_id"),
                rs.getString("organization_id"),
                rs.getString("filename"),
                rs.getString("content_type"),
                rs.getLong("size_bytes"),
                map(rs.getString("metadata")),
                Document.Status.valueOf(rs.getString("status")),
                (Integer) rs.getObject("chunks_created"),
                rs.getString("failure_reason"),
                rs.getObject("created_at", OffsetDateTime.class),
                rs.getObject("updated_at", OffsetDateTime.class));
    }

    private static String json(Map<String, Object> value) {
        try {
            return JSON.writeValueAsString(value == null ? Map.of() : value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("metadata is not serialisable", e);
        }
    }

    private static Map<String, Object> map(String json) {
        try {
            return JSON.readValue(json, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored metadata is not JSON", e);
        }
    }
}
