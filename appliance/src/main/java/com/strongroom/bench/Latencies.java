package com.strongroom.bench;

import java.util.Arrays;

/** Per-query times in one mode, collected over every measured round. */
final class Latencies {
    private long[] nanos = new long[1024];
    private int count;

    void add(long elapsedNanos) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = elapsedNanos;
    }

    int count() {
        return count;
    }

    /** Nearest-rank percentile in milliseconds, {@code p} in (0, 100]. */
    double percentileMillis(double p) {
        if (count == 0) {
            throw new IllegalStateException("no samples");
        }
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * count);
        return sorted[Math.max(0, Math.min(count, rank) - 1)] / 1e6;
    }
}
