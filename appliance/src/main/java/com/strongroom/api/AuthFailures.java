package com.strongroom.api;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Blocks a client address that keeps presenting bad credentials: more than {@code allowed}
 * failures within {@code window} block it for {@code block}, which turns guessing keys from one
 * address into a slow business.
 */
final class AuthFailures {
    private static final int MAX_ADDRESSES = 100_000;

    private final int allowed;
    private final Duration window;
    private final Duration block;
    private final Map<String, Bucket> failures = new ConcurrentHashMap<>();
    private final Map<String, Long> blockedUntilNanos = new ConcurrentHashMap<>();

    AuthFailures(int allowed, Duration window, Duration block) {
        this.allowed = allowed;
        this.window = window;
        this.block = block;
    }

    /** Seconds until {@code address} may try again, or 0 when it is not blocked. */
    long blockedForSeconds(String address) {
        Long until = blockedUntilNanos.get(address);
        if (until == null) {
            return 0;
        }
        long left = until - System.nanoTime();
        if (left <= 0) {
            blockedUntilNanos.remove(address, until);
            return 0;
        }
        return Math.max(1, Math.ceilDiv(left, 1_000_000_000L));
    }

    /** Counts one failed authentication from {@code address}; true when that blocked it. */
    boolean record(String address) {
        if (allowed <= 0) {
            return false;
        }
        if (failures.size() > MAX_ADDRESSES) {
            failures.clear();
        }
        Bucket bucket = failures.computeIfAbsent(address, a -> Bucket.builder()
                .addLimit(Bandwidth.builder()
                        .capacity(allowed)
                        .refillGreedy(allowed, window)
                        .build())
                .build());
        if (bucket.tryConsume(1)) {
            return false;
        }
        blockedUntilNanos.put(address, System.nanoTime() + block.toNanos());
        failures.remove(address);
        return true;
    }
}
