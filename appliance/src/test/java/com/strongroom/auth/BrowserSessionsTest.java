package com.strongroom.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BrowserSessionsTest {
    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-11-23T08:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static final Principal CAROL = new Principal("user:carol", "org_1", Role.DEVELOPER, Set.of());

    @Test
    void anIdleSession_ends_andUseKeepsOneAlive_untilTheAbsoluteLimit() {
        ManualClock clock = new ManualClock();
        BrowserSessions sessions = new BrowserSessions(Duration.ofMinutes(30), Duration.ofHours(12), clock);
        BrowserSessions.Session idle = sessions.create(CAROL, "id-token");
        BrowserSessions.Session busy = sessions.create(CAROL, "id-token");
        assertNotEquals(idle.id(), busy.id());
        assertNotEquals(idle.csrfToken(), busy.csrfToken());
        assertTrue(idle.id().length() >= 43, "256 random bits");

        for (int i = 0; i < 23; i++) { // 23 x 29 min = 11 h 7 min of steady use
            clock.now = clock.now.plus(Duration.ofMinutes(29));
            assertTrue(sessions.find(busy.id()).isPresent(), "used every 29 minutes, after " + i);
        }
        assertTrue(sessions.find(idle.id()).isEmpty(), "30 minutes without use end a session");
        clock.now = clock.now.plus(Duration.ofMinutes(29));
        assertTrue(sessions.find(busy.id()).isPresent(), "11 h 36 min: still inside 12 h");
        clock.now = clock.now.plus(Duration.ofMinutes(29));
        assertTrue(sessions.find(busy.id()).isEmpty(), "12 h after sign-in it ends, however busy");
    }

    @Test
    void signOut_endsTheSession_forGood() {
        BrowserSessions sessions = new BrowserSessions(Duration.ofMinutes(30), Duration.ofHours(12), Clock.systemUTC());
        BrowserSessions.Session s = sessions.create(CAROL, null);
        assertEquals(s.id(), sessions.end(s.id()).orElseThrow().id());
        assertTrue(sessions.find(s.id()).isEmpty());
        assertTrue(sessions.end(s.id()).isEmpty());
    }
}
