package com.strongroom.audit;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One security-relevant action: who, in which organization, did what to which target, from where,
 * with what outcome, under which request id. Timestamps keep microseconds, what the store keeps.
 */
public record AuditEvent(
        Instant time,
        String actor,
        String organization,
        String action,
        String target,
        String source,
        Outcome outcome,
        String requestId,
        String detail) {

    public enum Outcome {
        SUCCESS,
        FAILURE,
        DENIED
    }

    /** What replaces the end of a field too long for its column, so the entry is kept, not lost. */
    public static final String TRUNCATED = "…[truncated]";

    public AuditEvent {
        time = time.truncatedTo(ChronoUnit.MICROS);
        // the column widths of audit_log: an over-long user agent, path or name must shorten the
        // entry, not make its insert fail; the MAC covers the shortened text, so the chain verifies
        actor = fit(actor, 200);
        organization = fit(organization, 64);
        action = fit(action, 100);
        target = fit(target, 300);
        source = fit(source, 100);
        requestId = fit(requestId, 64);
        detail = fit(detail, 1000);
        if (actor == null || actor.isBlank()) {
            throw new IllegalArgumentException("audit actor is required");
        }
        if (action == null || action.isBlank()) {
            throw new IllegalArgumentException("audit action is required");
        }
    }

    static String fit(String value, int max) {
        if (value == null || value.length() <= max) {
            return value;
        }
        int keep = max - TRUNCATED.length();
        if (Character.isHighSurrogate(value.charAt(keep - 1))) {
            keep--; // never half a character
        }
        return value.substring(0, keep) + TRUNCATED;
    }

    /** An action the appliance takes by itself (seal, unseal, scheduled purge). */
    public static AuditEvent system(String action, String target, Outcome outcome, String detail) {
        return new AuditEvent(Instant.now(), "system", null, action, target, "local", outcome, null, detail);
    }

    /** An action an operator runs with the CLI on the appliance host. */
    public static AuditEvent operator(String action, String target, Outcome outcome, String detail) {
        String user = System.getProperty("user.name", "unknown");
        return new AuditEvent(Instant.now(), "cli:" + user, null, action, target, "local", outcome, null, detail);
    }
}
