package com.strongroom.datasets;

import java.time.OffsetDateTime;
import java.util.Map;

/** A dataset row. {@code deletedAt} set means soft-deleted, restorable until {@code purgeAfter}. */
public record Dataset(
        String id,
        String organizationId,
        String name,
        String description,
        Map<String, Object> metadata,
        String embeddingModel,
        int embeddingDimensions,
        OffsetDateTime createdAt,
        OffsetDateTime updatedAt,
        OffsetDateTime deletedAt,
        OffsetDateTime purgeAfter) {

    public boolean deleted() {
        return deletedAt != null;
    }
}
