package com.strongroom.search;

/**
 * A request the engine cannot run as asked: a bad filter, a vector from another model, an unknown
 * mode. The API answers it with 422 and {@link #code()}; nothing stored is touched.
 */
public class InvalidSearchException extends RuntimeException {
    private final String code;
    private final String field;

    public InvalidSearchException(String code, String field, String message) {
        super(message);
        this.code = code;
        this.field = field;
    }

    /** Machine-readable error code, e.g. {@code invalid_filter} or {@code embedding_mismatch}. */
    public String code() {
        return code;
    }

    /** The request field at fault, e.g. {@code filters.year.gte}; null when not one field. */
    public String field() {
        return field;
    }
}
