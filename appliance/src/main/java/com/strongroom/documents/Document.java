package com.strongroom.documents;

import java.time.OffsetDateTime;
import java.util.Map;

/** A document row: what was uploaded and how far its processing got. */
public record Document(
        String id,
        String datasetId,
        String organizationId,
        String filename,
        String contentType,
        long sizeBytes,
        Map<String, Object> metadata,
        Status status,
        Integer chunksCreated,
        String failureReason,
        OffsetDateTime createdAt,
        OffsetDateTime updatedAt) {

    public enum Status {
        PROCESSING,
        READY,
        FAILED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
