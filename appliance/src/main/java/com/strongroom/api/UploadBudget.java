package com.strongroom.api;

/**
 * The bytes of upload bodies the appliance holds at once, all clients together
 * ({@code documents.upload-bytes-in-flight}). Each upload reserves what its body may take before
 * reading it and gives it back when answered; an upload that does not fit is refused at once (503
 * with Retry-After) rather than queued, so a burst of large uploads costs a bounded heap.
 */
final class UploadBudget {
    static final long RETRY_AFTER_SECONDS = 5;

    private final long capacity;
    private long inFlight;

    UploadBudget(long capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * Reserves {@code bytes} (at most the whole budget, so one upload alone always fits), or
     * returns null when they do not fit beside the uploads in flight.
     */
    synchronized Reservation reserve(long bytes) {
        long wanted = Math.min(bytes, capacity);
        if (inFlight + wanted > capacity) {
            return null;
        }
        inFlight += wanted;
        return new Reservation(wanted);
    }

    synchronized long inFlight() {
        return inFlight;
    }

    private synchronized void release(long bytes) {
        inFlight -= bytes;
    }

    /** Bytes held by one upload, given back once. */
    final class Reservation implements AutoCloseable {
        private final long bytes;
        private boolean released;

        private Reservation(long bytes) {
            this.bytes = bytes;
        }

        @Override
        public void close() {
            if (!released) {
                released = true;
                release(bytes);
            }
        }
    }
}
