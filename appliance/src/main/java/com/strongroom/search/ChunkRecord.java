package com.strongroom.search;

import java.util.Map;
import java.util.Objects;

/**
 * One searchable piece of a document: its text, where it came from in the source, its vector and
 * the document's metadata (copied onto every chunk so filters need no join).
 */
public record ChunkRecord(
        String chunkId,
        String documentId,
        String content,
        int start,
        int end,
        float[] vector,
        Map<String, Object> metadata) {

    public ChunkRecord {
        Objects.requireNonNull(chunkId, "chunkId");
        Objects.requireNonNull(documentId, "documentId");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(vector, "vector");
        metadata = metadata == null ? Map.of() : metadata;
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad offsets " + start + ".." + end);
        }
    }
}
