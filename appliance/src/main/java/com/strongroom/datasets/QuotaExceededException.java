package com.strongroom.datasets;

/**
 * A per-organization or per-dataset quota is reached (the {@code quotas} configuration section);
 * the API answers 409 {@code quota_exceeded} and nothing is created.
 */
public final class QuotaExceededException extends RuntimeException {
    private final String quota;
    private final long limit;

    public QuotaExceededException(String quota, long limit, String message) {
        super(message);
        this.quota = quota;
        this.limit = limit;
    }

    /** The configuration key, e.g. {@code quotas.datasets-per-organization}. */
    public String quota() {
        return quota;
    }

    public long limit() {
        return limit;
    }
}
