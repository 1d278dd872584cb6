package com.strongroom.webhooks;

import java.time.OffsetDateTime;
import java.util.List;

/** A registered endpoint; the secret is never part of this record. */
public record Webhook(
        String id,
        String organizationId,
        String url,
        List<String> events,
        String description,
        OffsetDateTime createdAt,
        OffsetDateTime disabledAt,
        String disabledReason,
        int consecutiveFailures) {

    public static final List<String> EVENTS = List.of(
            "document.uploaded",
            "document.processed",
            "document.processing_failed",
            "document.deleted",
            "dataset.created",
            "dataset.updated",
            "dataset.deleted");

    public boolean enabled() {
        return disabledAt == null;
    }
}
