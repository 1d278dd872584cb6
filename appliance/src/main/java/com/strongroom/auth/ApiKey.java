package com.strongroom.auth;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Set;

/** An API key as listed: everything but the secret, which exists only in the caller's hands. */
public record ApiKey(
        String id,
        String organizationId,
        String name,
        String displayPrefix,
        Role role,
        Set<String> scopes,
        OffsetDateTime createdAt,
        OffsetDateTime expiresAt,
        OffsetDateTime lastUsedAt,
        OffsetDateTime revokedAt,
        String createdBy) {

    /** Keys older than this should be replaced: the listing flags them. */
    public static final Duration ROTATE_AFTER = Duration.ofDays(90);

    public boolean revoked() {
        return revokedAt != null;
    }

    public boolean expired(OffsetDateTime now) {
        return expiresAt != null && !expiresAt.isAfter(now);
    }

    public boolean rotationDue(OffsetDateTime now) {
        return !createdAt.plus(ROTATE_AFTER).isAfter(now);
    }
}
