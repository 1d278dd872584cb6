package com.strongroom.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bucket4j.ConsumptionProbe;
import org.junit.jupiter.api.Test;

class RateLimitsTest {
    @Test
    void eachCallerHasItsOwnBucket_andAnEmptyOneRefuses() {
        RateLimits limits = new RateLimits(3);
        for (int i = 2; i >= 0; i--) {
            ConsumptionProbe p = limits.take("key:a");
            assertTrue(p.isConsumed());
            assertEquals(i, p.getRemainingTokens());
        }
        ConsumptionProbe refused = limits.take("key:a");
        assertFalse(refused.isConsumed());
        assertTrue(
                refused.getNanosToWaitForRefill() > 0 && refused.getNanosToWaitForRefill() <= 20_000_000_000L,
                "about 20 s until the next token at 3 a minute");
        assertTrue(limits.take("key:b").isConsumed(), "another caller is not affected");
    }
}
