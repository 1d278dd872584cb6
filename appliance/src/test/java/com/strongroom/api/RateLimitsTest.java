package com.strongroom.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimitsTest {
    @Test
    void eachKeyHasItsOwnBucket_andAnEmptyOneRefuses() {
        RateLimits limits =
                new RateLimits(3, 3, 100, 0, new AuthFailures(0, Duration.ofMinutes(1), Duration.ofMinutes(1)));
        for (int i = 2; i >= 0; i--) {
            ConsumptionProbe p = limits.takeForKey("a");
            assertTrue(p.isConsumed());
            assertEquals(i, p.getRemainingTokens());
        }
        ConsumptionProbe refused = limits.takeForKey("a");
        assertFalse(refused.isConsumed());
        long wait = refused.getNanosToWaitForRefill();
        assertTrue(
                wait > 1_100_000_000_000L && wait <= 1_200_000_000_000L, "about 20 min to the next token at 3 an hour");
        assertTrue(limits.takeForKey("b").isConsumed(), "another key is not affected");
        assertTrue(limits.takeForAddress("10.0.0.1").isConsumed(), "addresses have buckets of their own");
    }

    @Test
    void anAddress_isBlocked_afterTooManyFailures_forTheConfiguredTime() throws Exception {
        AuthFailures failures = new AuthFailures(3, Duration.ofMinutes(5), Duration.ofSeconds(2));
        assertFalse(failures.record("10.0.0.9"));
        assertFalse(failures.record("10.0.0.9"));
        assertFalse(failures.record("10.0.0.9"));
        assertEquals(0, failures.blockedForSeconds("10.0.0.9"));
        assertTrue(failures.record("10.0.0.9"), "the fourth failure within the window blocks");
        long blocked = failures.blockedForSeconds("10.0.0.9");
        assertTrue(blocked >= 1 && blocked <= 2, Long.toString(blocked));
        assertEquals(0, failures.blockedForSeconds("10.0.0.10"), "other addresses are not affected");
        Thread.sleep(2100);
        assertEquals(0, failures.blockedForSeconds("10.0.0.9"), "the block ends");
        assertFalse(failures.record("10.0.0.9"), "and the count starts afresh");
    }

    @Test
    void zeroFailuresAllowed_meansNeverBlock() {
        AuthFailures failures = new AuthFailures(0, Duration.ofMinutes(5), Duration.ofMinutes(15));
        for (int i = 0; i < 100; i++) {
            assertFalse(failures.record("10.0.0.9"));
        }
        assertEquals(0, failures.blockedForSeconds("10.0.0.9"));
    }
}
