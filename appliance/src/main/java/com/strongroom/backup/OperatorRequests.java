package com.strongroom.backup;

import com.strongroom.store.H2Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Optional;

/**
 * How the operator CLI asks a running appliance to do something only it can (its metadata
 * database and indexes are open in its process): a row in the keyring's {@code operator_request}
 * table, taken by the appliance within a second, answered in the same row.
 */
public final class OperatorRequests {
    public static final String BACKUP_RUN = "backup.run";
    public static final String DR_DRILL = "dr.drill";
    /** Re-encrypt one purpose now, unthrottled (argument: the purpose), after a suspected compromise. */
    public static final String KEYS_REENCRYPT = "keys.reencrypt";

    /** A request as the appliance takes it. */
    public record Request(String id, String kind, String argument) {}

    /** The answer: outcome SUCCESS or FAILURE and a JSON result (or an error message). */
    public record Answer(String outcome, String result) {}

    private final H2Database keyring;

    public OperatorRequests(H2Database keyring) {
        this.keyring = keyring;
    }

    public String submit(String kind, String argument, String requestedBy) throws SQLException {
        String id = "req_" + HexFormat.of().formatHex(com.strongroom.crypto.Drbg.bytes(8));
        try (Connection c = keyring.connection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO operator_request"
                        + " (id, kind, argument, requested_by, requested_at) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, kind);
            ps.setString(3, argument);
            ps.setString(4, requestedBy);
            ps.setObject(5, now());
            ps.executeUpdate();
        }
        return id;
    }

    /** Waits for the answer; empty after {@code timeout} (the request then stays queued). */
    public Optional<Answer> await(String id, Duration timeout) throws SQLException, InterruptedException {
        return await(id, timeout, () -> true);
    }

    /**
     * As above, but gives up (empty) as soon as {@code serving} says the appliance is gone: a
     * request it took and died on is never answered.
     */
    public Optional<Answer> await(String id, Duration timeout, java.util.function.BooleanSupplier serving)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Connection c = keyring.connection();
                    PreparedStatement ps = c.prepareStatement(
                            "SELECT outcome, result FROM operator_request WHERE id = ? AND finished_at IS NOT NULL")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return Optional.of(new Answer(rs.getString(1), rs.getString(2)));
                    }
                }
            }
            if (System.nanoTime() > deadline || !serving.getAsBoolean()) {
                return Optional.empty();
            }
            Thread.sleep(250);
        }
    }

    /** Whether the appliance has taken the request (started it). */
    public boolean started(String id) throws SQLException {
        try (Connection c = keyring.connection();
                PreparedStatement ps = c.prepareStatement("SELECT started_at FROM operator_request WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getObject(1) != null;
            }
        }
    }

    /** Takes the oldest request nobody started, marking it started; empty when there is none. */
    Optional<Request> take() throws SQLException {
        try (Connection c = keyring.connection()) {
            c.setAutoCommit(false);
            try {
                Optional<Request> found = Optional.empty();
                try (PreparedStatement ps = c.prepareStatement("SELECT id, kind, argument FROM operator_request"
                                + " WHERE started_at IS NULL ORDER BY requested_at LIMIT 1 FOR UPDATE");
                        ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        found = Optional.of(new Request(rs.getString(1), rs.getString(2), rs.getString(3)));
                    }
                }
                if (found.isPresent()) {
                    try (PreparedStatement ps =
                            c.prepareStatement("UPDATE operator_request SET started_at = ? WHERE id = ?")) {
                        ps.setObject(1, now());
                        ps.setString(2, found.get().id());
                        ps.executeUpdate();
                    }
                }
                c.commit();
                return found;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    void answer(String id, String outcome, String result) throws SQLException {
        try (Connection c = keyring.connection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE operator_request SET finished_at = ?, outcome = ?, result = ? WHERE id = ?")) {
            ps.setObject(1, now());
            ps.setString(2, outcome);
            ps.setString(3, result);
            ps.setString(4, id);
            ps.executeUpdate();
        }
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
