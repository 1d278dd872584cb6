package com.strongroom.search;

import java.util.Locale;

/** How a query finds chunks. Hybrid is the default, as in the hosted product. */
public enum SearchMode {
    /** HNSW nearest neighbours of the query vector, cosine similarity. */
    SEMANTIC,
    /** BM25 over the chunk text. */
    KEYWORD,
    /** Both, merged by reciprocal-rank fusion. */
    HYBRID;

    public static SearchMode parse(String value) {
        if (value == null) {
            return HYBRID;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "semantic" -> SEMANTIC;
            case "keyword" -> KEYWORD;
            case "hybrid" -> HYBRID;
            default ->
                throw new InvalidSearchException(
                        "invalid_mode", "mode", "'" + value + "' is not one of semantic, keyword, hybrid");
        };
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    boolean usesVectors() {
        return this != KEYWORD;
    }

    boolean usesText() {
        return this != SEMANTIC;
    }
}
