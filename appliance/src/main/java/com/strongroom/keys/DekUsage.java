package com.strongroom.keys;

import java.time.OffsetDateTime;

/**
 * What the re-encryption pass last found under one data-key version: index files (or the
 * metadata database file), sealed originals, journal entries that may still hold data under it,
 * and live API keys hashed under it.
 */
public record DekUsage(
        String purpose,
        int version,
        int files,
        long fileBytes,
        int originals,
        long originalBytes,
        int journalEntries,
        int apiKeys,
        OffsetDateTime scannedAt) {

    public boolean unused() {
        return files == 0 && originals == 0 && journalEntries == 0 && apiKeys == 0;
    }
}
