package com.strongroom.auth;

import com.strongroom.crypto.Drbg;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Signed-in browsers: a random session id (the cookie) maps to the caller the sign-in proved, a
 * CSRF token, and the ID token for sign-out. A session ends after {@code idle} without use,
 * {@code absolute} after sign-in, or at sign-out; a new sign-in always gets a new id. In memory: a
 * restart signs everybody out.
 */
public final class BrowserSessions {
    static final int MAX_SESSIONS = 100_000;

    public record Session(
            String id, String csrfToken, Principal principal, String idToken, Instant created, Instant lastSeen) {}

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Duration idle;
    private final Duration absolute;
    private final Clock clock;

    public BrowserSessions(Duration idle, Duration absolute, Clock clock) {
        this.idle = idle;
        this.absolute = absolute;
        this.clock = clock;
    }

    public Session create(Principal principal, String idToken) {
        Instant now = clock.instant();
        if (sessions.size() >= MAX_SESSIONS) {
            sessions.values().removeIf(s -> !live(s, now));
        }
        Session s = new Session(random(), random(), principal, idToken, now, now);
        sessions.put(s.id(), s);
        return s;
    }

    /** The live session, touched; empty when unknown, idle too long, too old or signed out. */
    public Optional<Session> find(String id) {
        Session s = sessions.get(id);
        Instant now = clock.instant();
        if (s == null) {
            return Optional.empty();
        }
        if (!live(s, now)) {
            sessions.remove(id, s);
            return Optional.empty();
        }
        Session touched = new Session(s.id(), s.csrfToken(), s.principal(), s.idToken(), s.created(), now);
        sessions.replace(id, s, touched);
        return Optional.of(touched);
    }

    public Optional<Session> end(String id) {
        return Optional.ofNullable(sessions.remove(id));
    }

    private boolean live(Session s, Instant now) {
        return s.lastSeen().plus(idle).isAfter(now)
                && s.created().plus(absolute).isAfter(now);
    }

    static String random() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Drbg.bytes(32));
    }
}
