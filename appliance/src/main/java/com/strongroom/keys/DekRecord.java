package com.strongroom.keys;

import java.time.OffsetDateTime;

/** A DEK version as the keyring stores it: wrapped, never in plaintext. */
public record DekRecord(
        String purpose,
        int version,
        DekState state,
        String kekLabel,
        byte[] wrapped,
        OffsetDateTime createdAt,
        OffsetDateTime destroyedAt) {}
