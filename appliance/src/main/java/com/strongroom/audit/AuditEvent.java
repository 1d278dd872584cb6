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

    public AuditEvent {
        time = time.truncatedTo(ChronoUnit.MICROS);
        if (actor == null || actor.isBlank()) {
            throw new IllegalArgumentException("audit actor is required");
        }
        if (action == null || action.isBlank()) {
            throw new IllegalArgumentException("audit action is required");
        }
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
