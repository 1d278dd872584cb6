package com.strongroom.webhooks;

import java.time.OffsetDateTime;

/** One attempt series of one event to one webhook: the delivery log row. */
public record Delivery(
        String id,
        String webhookId,
        String event,
        String status,
        int attempts,
        Integer lastStatusCode,
        String lastError,
        OffsetDateTime createdAt,
        OffsetDateTime nextAttemptAt,
        OffsetDateTime deliveredAt) {}
