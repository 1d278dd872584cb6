package com.strongroom.api;

import com.strongroom.datasets.Dataset;
import java.util.LinkedHashMap;
import java.util.Map;

/** The wire shape of a dataset. */
final class DatasetJson {
    private DatasetJson() {}

    static Map<String, Object> of(Dataset d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id());
        m.put("object", "dataset");
        m.put("name", d.name());
        m.put("description", d.description());
        m.put("metadata", d.metadata());
        m.put("embedding_model", d.embeddingModel());
        m.put("embedding_dimensions", d.embeddingDimensions());
        m.put("created_at", d.createdAt().toInstant().toString());
        m.put("updated_at", d.updatedAt().toInstant().toString());
        if (d.deleted()) {
            m.put("deleted_at", d.deletedAt().toInstant().toString());
            m.put("purge_after", d.purgeAfter().toInstant().toString());
        }
        return m;
    }

    /** The list envelope every collection uses. */
    static Map<String, Object> page(java.util.List<?> items, long total, int limit, int offset) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("items", items);
        m.put("total", total);
        m.put("limit", limit);
        m.put("offset", offset);
        m.put("has_more", offset + items.size() < total);
        return m;
    }
}
