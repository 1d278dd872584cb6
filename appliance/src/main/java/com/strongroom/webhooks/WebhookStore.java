package com.strongroom.webhooks;

import com.strongroom.store.MetadataStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** SQL for webhooks and their deliveries; reads by clients are scoped by organization. */
final class WebhookStore {
    private static final String COLUMNS = "id, organization_id, url, events, description, created_at, disabled_at,"
            + " disabled_reason, consecutive_failures";
    private static final String DELIVERY_COLUMNS = "id, webhook_id, event, status, attempts, last_status_code,"
            + " last_error, created_at, next_attempt_at, delivered_at";

    private final MetadataStore metadata;

    WebhookStore(MetadataStore metadata) {
        this.metadata = metadata;
    }

    void insert(Webhook w, byte[] sealedSecret, int keyVersion) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO webhook (" + COLUMNS
                        + ", secret_sealed, key_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, w.id());
            ps.setString(2, w.organizationId());
            ps.setString(3, w.url());
            ps.setString(4, String.join(",", w.events()));
            ps.setString(5, w.description());
            ps.setObject(6, w.createdAt());
            ps.setObject(7, w.disabledAt());
            ps.setString(8, w.disabledReason());
            ps.setInt(9, w.consecutiveFailures());
            ps.setBytes(10, sealedSecret);
            ps.setInt(11, keyVersion);
            ps.executeUpdate();
        }
    }

    List<Webhook> list(String organizationId) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                        + " FROM webhook WHERE organization_id = ? AND deleted_at IS NULL ORDER BY created_at, id")) {
            ps.setString(1, organizationId);
            return webhooks(ps);
        }
    }

    Optional<Webhook> find(String organizationId, String id) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                        + " FROM webhook WHERE organization_id = ? AND id = ? AND deleted_at IS NULL")) {
            ps.setString(1, organizationId);
            ps.setString(2, id);
            return webhooks(ps).stream().findFirst();
        }
    }

    /** Marks the webhook deleted and drops its pending and retrying deliveries with it. */
    boolean delete(String organizationId, String id, OffsetDateTime at) throws SQLException {
        try (Connection c = metadata.db().connection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                boolean deleted;
                try (PreparedStatement ps = c.prepareStatement("UPDATE webhook SET deleted_at = ?, secret_sealed = X''"
                        + " WHERE organization_id = ? AND id = ? AND deleted_at IS NULL")) {
                    ps.setObject(1, at);
                    ps.setString(2, organizationId);
                    ps.setString(3, id);
                    deleted = ps.executeUpdate() == 1;
                }
                if (deleted) {
                    try (PreparedStatement ps = c.prepareStatement(DROP_PENDING + " webhook_id = ?")) {
                        ps.setString(1, id);
                        ps.executeUpdate();
                    }
                }
                c.commit();
                return deleted;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
    }

    private static final String DROP_PENDING = "UPDATE webhook_delivery SET status = 'DROPPED', next_attempt_at = NULL,"
            + " last_error = 'webhook deleted' WHERE status = 'PENDING' AND";

    /** Drops one delivery found pending after its webhook was deleted. */
    void drop(String deliveryId) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement(DROP_PENDING + " id = ?")) {
            ps.setString(1, deliveryId);
            ps.executeUpdate();
        }
    }

    /** Pending deliveries of webhooks deleted before deletion dropped them (older versions). */
    void dropDeliveriesOfDeletedWebhooks() throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement(
                        DROP_PENDING + " webhook_id IN (SELECT id FROM webhook WHERE deleted_at IS NOT NULL)")) {
            ps.executeUpdate();
        }
    }

    /** Enabled webhooks of the organization subscribed to {@code event}. */
    List<Webhook> subscribers(String organizationId, String event) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT " + COLUMNS + " FROM webhook WHERE organization_id = ?"
                                + " AND deleted_at IS NULL AND disabled_at IS NULL")) {
            ps.setString(1, organizationId);
            return webhooks(ps).stream().filter(w -> w.events().contains(event)).toList();
        }
    }

    record Secret(byte[] sealed, int keyVersion) {}

    Optional<Secret> secret(String webhookId) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT secret_sealed, key_version FROM webhook WHERE id = ? AND deleted_at IS NULL")) {
            ps.setString(1, webhookId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Secret(rs.getBytes(1), rs.getInt(2))) : Optional.empty();
            }
        }
    }

    void enqueue(String id, String webhookId, String event, String payload, OffsetDateTime at) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO webhook_delivery (id, webhook_id, event, payload,"
                                + " status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'PENDING', 0, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, webhookId);
            ps.setString(3, event);
            ps.setString(4, payload);
            ps.setObject(5, at);
            ps.setObject(6, at);
            ps.executeUpdate();
        }
    }

    record Due(
            String id,
            String webhookId,
            String organizationId,
            String url,
            String event,
            String payload,
            int attempts) {}

    /**
     * The oldest due delivery of each organization not in {@code busy}, oldest first: one
     * organization's backlog cannot fill the batch and hide the others'.
     */
    List<Due> due(OffsetDateTime now, java.util.Set<String> busy, int limit) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT id, webhook_id, organization_id, url, event, payload, attempts FROM ("
                                + "SELECT d.id, d.webhook_id, w.organization_id, w.url, d.event, d.payload, d.attempts,"
                                + " d.next_attempt_at, ROW_NUMBER() OVER (PARTITION BY w.organization_id"
                                + " ORDER BY d.next_attempt_at, d.id) AS rn"
                                + " FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id"
                                + " WHERE d.status = 'PENDING' AND d.next_attempt_at <= ? AND w.deleted_at IS NULL"
                                + " AND NOT (w.organization_id = ANY(?))) t"
                                + " WHERE rn = 1 ORDER BY next_attempt_at, id LIMIT ?")) {
            ps.setObject(1, now);
            ps.setArray(2, c.createArrayOf("VARCHAR", busy.toArray(new String[0])));
            ps.setInt(3, limit);
            List<Due> due = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    due.add(new Due(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getString(5),
                            rs.getString(6),
                            rs.getInt(7)));
                }
            }
            return due;
        }
    }

    /** Records an attempt; {@code next} null ends the series as {@code status}. */
    void attempted(
            String deliveryId,
            String status,
            int attempts,
            Integer code,
            String error,
            OffsetDateTime next,
            OffsetDateTime deliveredAt)
            throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("UPDATE webhook_delivery SET status = ?, attempts = ?,"
                        + " last_status_code = ?, last_error = ?, next_attempt_at = ?, delivered_at = ?"
                        + " WHERE id = ? AND status = 'PENDING'")) {
            ps.setString(1, status);
            ps.setInt(2, attempts);
            ps.setObject(3, code);
            ps.setString(4, error);
            ps.setObject(5, next);
            ps.setObject(6, deliveredAt);
            ps.setString(7, deliveryId);
            ps.executeUpdate();
        }
    }

    /** Counts a failed series; returns the new count of consecutive failures. */
    int failed(String webhookId) throws SQLException {
        try (Connection c = metadata.db().connection()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE webhook SET consecutive_failures = consecutive_failures + 1 WHERE id = ?")) {
                ps.setString(1, webhookId);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT consecutive_failures FROM webhook WHERE id = ?")) {
                ps.setString(1, webhookId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getInt(1) : 0;
                }
            }
        }
    }

    void succeeded(String webhookId) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("UPDATE webhook SET consecutive_failures = 0 WHERE id = ?")) {
            ps.setString(1, webhookId);
            ps.executeUpdate();
        }
    }

    void disable(String webhookId, String reason, OffsetDateTime at) throws SQLException {
        try (Connection c = metadata.db().connection()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE webhook SET disabled_at = ?, disabled_reason = ? WHERE id = ? AND disabled_at IS NULL")) {
                ps.setObject(1, at);
                ps.setString(2, reason);
                ps.setString(3, webhookId);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE webhook_delivery SET status = 'FAILED',"
                            + " next_attempt_at = NULL, last_error = 'webhook disabled' WHERE webhook_id = ? AND status = 'PENDING'")) {
                ps.setString(1, webhookId);
                ps.executeUpdate();
            }
        }
    }

    List<Delivery> deliveries(String webhookId, int limit) throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT " + DELIVERY_COLUMNS
                        + " FROM webhook_delivery WHERE webhook_id = ? ORDER BY created_at DESC, id DESC LIMIT ?")) {
            ps.setString(1, webhookId);
            ps.setInt(2, limit);
            List<Delivery> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Delivery(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getInt(5),
                            (Integer) rs.getObject(6),
                            rs.getString(7),
                            rs.getObject(8, OffsetDateTime.class),
                            rs.getObject(9, OffsetDateTime.class),
                            rs.getObject(10, OffsetDateTime.class)));
                }
            }
            return out;
        }
    }

    private static List<Webhook> webhooks(PreparedStatement ps) throws SQLException {
        List<Webhook> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Webhook(
                        rs.getString("id"),
                        rs.getString("organization_id"),
                        rs.getString("url"),
                        Arrays.asList(rs.getString("events").split(",")),
                        rs.getString("description"),
                        rs.getObject("created_at", OffsetDateTime.class),
                        rs.getObject("disabled_at", OffsetDateTime.class),
                        rs.getString("disabled_reason"),
                        rs.getInt("consecutive_failures")));
            }
        }
        return out;
    }
}
