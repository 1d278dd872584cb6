package com.strongroom.ingest;

/**
 * Chunk size and overlap in characters. The default of 1000 characters keeps a chunk of English
 * prose under the 256 word pieces at which the default model stops reading; 150 characters of
 * overlap carry about one sentence of context into the next chunk.
 */
public record ChunkingOptions(int maxChars, int overlapChars) {
    public static final ChunkingOptions DEFAULT = new ChunkingOptions(1000, 150);

    public ChunkingOptions {
        if (maxChars < 50 || maxChars > 100_000) {
            throw new IllegalArgumentException("chunk size must be 50..100000 characters, got " + maxChars);
        }
        if (overlapChars < 0 || overlapChars > maxChars / 2) {
            throw new IllegalArgumentException(
                    "chunk overlap must be 0.." + maxChars / 2 + " characters (half the size), got " + overlapChars);
        }
    }
}
