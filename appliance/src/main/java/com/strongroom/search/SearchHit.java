package com.strongroom.search;

import java.util.Map;

/** One result: the chunk, its place in the source document, and its score in the chosen mode. */
public record SearchHit(
        String chunkId,
        String documentId,
        String content,
        int start,
        int end,
        float score,
        Map<String, Object> metadata) {}
