package com.strongroom.store;

import java.time.Instant;

/**
 * One journal entry: a {@link RowChange} ({@code kind} "row") or a change to a dataset's index
 * ({@code kind} "index", {@code datasetId} set, payload sealed under the dataset's key).
 */
public record JournalEntry(long seq, Instant at, String kind, String datasetId, byte[] payload) {
    public static final String ROW = "row";
    public static final String INDEX = "index";
}
