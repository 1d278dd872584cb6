package com.strongroom.mcp;

import com.strongroom.auth.Ids;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * MCP sessions: made by {@code initialize}, named by the {@code Mcp-Session-Id} header, bound to
 * the credential that made them (another key presenting the id gets "no such session"), and
 * forgotten after an idle hour or when the client ends them. In memory: a restart ends every
 * session, and clients then initialize again, as the specification expects.
 */
public final class McpSessions {
    static final Duration IDLE = Duration.ofHours(1);
    static final int MAX_SESSIONS = 10_000;

    public record Session(String id, String actorId, String protocolVersion, Instant lastSeen) {}

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Clock clock;

    public McpSessions(Clock clock) {
        this.clock = clock;
    }

    Session open(String actorId, String protocolVersion) {
        Instant now = clock.instant();
        if (sessions.size() >= MAX_SESSIONS) {
            sessions.values().removeIf(s -> s.lastSeen().plus(IDLE).isBefore(now));
            if (sessions.size() >= MAX_SESSIONS) {
                sessions.values().stream()
                        .min(java.util.Comparator.comparing(Session::lastSeen))
                        .ifPresent(oldest -> sessions.remove(oldest.id()));
            }
        }
        Session session = new Session(Ids.create("mcp"), actorId, protocolVersion, now);
        sessions.put(session.id(), session);
        return session;
    }

    /** The live session {@code id} of {@code actorId}, touched; empty if unknown, expired or another's. */
    public Optional<Session> find(String id, String actorId) {
        Session s = sessions.get(id);
        Instant now = clock.instant();
        if (s == null || !s.actorId().equals(actorId)) {
            return Optional.empty();
        }
        if (s.lastSeen().plus(IDLE).isBefore(now)) {
            sessions.remove(id, s);
            return Optional.empty();
        }
        Session touched = new Session(s.id(), s.actorId(), s.protocolVersion(), now);
        sessions.replace(id, s, touched);
        return Optional.of(touched);
    }

    public boolean close(String id, String actorId) {
        Session s = sessions.get(id);
        return s != null && s.actorId().equals(actorId) && sessions.remove(id, s);
    }
}
