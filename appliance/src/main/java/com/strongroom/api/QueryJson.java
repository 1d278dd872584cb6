package com.strongroom.api;

import com.strongroom.search.EmbeddingSpec;
import com.strongroom.search.SearchHit;
import com.strongroom.search.SearchMode;
import com.strongroom.search.SearchRequest;
import com.strongroom.search.SearchResult;
import java.util.LinkedHashMap;
import java.util.Map;

/** A query as clients send it and its answer as they read it, shared by every query endpoint and tool. */
public final class QueryJson {
    /** Fields a query body may hold (the hosted-product shape adds dataset_id). */
    public static final java.util.Set<String> FIELDS =
            java.util.Set.of("query", "limit", "mode", "filters", "vector", "top_k");

    private QueryJson() {}

    /** {query, limit|top_k, mode, filters, vector}; throws 422 listing every bad field. */
    public static SearchRequest request(RequestBody body) {
        String query = body.string("query", 1, 10_000, false).orElse(null);
        int limit = body.integer(
                "limit",
                1,
                SearchRequest.MAX_LIMIT,
                body.integer("top_k", 1, SearchRequest.MAX_LIMIT, SearchRequest.DEFAULT_LIMIT));
        String mode = body.string("mode", 1, 20, false).orElse(null);
        Map<String, Object> filters = body.object("filters", DatasetsApi.METADATA_MAX_BYTES);
        float[] vector = body.floats("vector", EmbeddingSpec.MAX_DIMENSIONS);
        body.validate();
        return new SearchRequest(query, vector, SearchMode.parse(mode), filters, limit);
    }

    /** {results: [{chunk_id, document_id, content, score, metadata}], mode, query_time_ms}. */
    public static Map<String, Object> results(SearchResult result) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("results", result.hits().stream().map(QueryJson::hit).toList());
        body.put("mode", result.mode().wireName());
        body.put("query_time_ms", Math.round(result.queryTimeMs() * 100) / 100.0);
        return body;
    }

    private static Map<String, Object> hit(SearchHit h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("chunk_id", h.chunkId());
        m.put("document_id", h.documentId());
        m.put("content", h.content());
        m.put("score", h.score());
        m.put("metadata", h.metadata());
        return m;
    }
}
