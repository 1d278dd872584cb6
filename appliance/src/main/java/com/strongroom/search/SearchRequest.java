package com.strongroom.search;

import java.util.Map;

/**
 * A query against one dataset. {@code vector} is the client's own query vector (optional; the
 * engine embeds {@code query} when it is absent and the mode needs one).
 */
public record SearchRequest(String query, float[] vector, SearchMode mode, Map<String, Object> filters, int limit) {

    public static final int DEFAULT_LIMIT = 5;
    public static final int MAX_LIMIT = 50;

    public SearchRequest {
        mode = mode == null ? SearchMode.HYBRID : mode;
        filters = filters == null ? Map.of() : filters;
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidSearchException("invalid_limit", "limit", "must be 1.." + MAX_LIMIT + ", got " + limit);
        }
        boolean hasText = query != null && !query.isBlank();
        if (mode.usesText() && !hasText) {
            throw new InvalidSearchException(
                    "invalid_query", "query", "is required for " + mode.wireName() + " search");
        }
        if (mode.usesVectors() && !hasText && vector == null) {
            throw new InvalidSearchException("invalid_query", "query", "a query text or a vector is required");
        }
        if (query != null && query.length() > 10_000) {
            throw new InvalidSearchException("invalid_query", "query", "longer than 10000 characters");
        }
    }

    public static SearchRequest of(String query, SearchMode mode, int limit) {
        return new SearchRequest(query, null, mode, Map.of(), limit);
    }
}
