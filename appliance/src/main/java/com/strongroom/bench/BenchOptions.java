package com.strongroom.bench;

import com.strongroom.ingest.ChunkingOptions;
import java.nio.file.Path;

/**
 * What to measure.
 *
 * @param text Europarl sentences embedded by the built-in model instead of synthetic vectors
 * @param rounds measured passes over the queries per index, interleaved between the two indexes
 * @param segments segments both indexes are merged to before querying; 0 keeps what indexing left
 * @param workDir where both indexes are built (a fresh directory below it, removed afterwards)
 * @param chunking how --text cuts Europarl lines (the product's defaults unless asked otherwise)
 */
record BenchOptions(
        int vectors,
        int dims,
        int queries,
        boolean text,
        int rounds,
        int segments,
        long seed,
        BenchIndex.CacheSettings cache,
        Path workDir,
        int embeddingThreads,
        ChunkingOptions chunking) {

    BenchOptions {
        if (vectors < BenchIndex.K) {
            throw new IllegalArgumentException("--vectors must be at least " + BenchIndex.K + ", got " + vectors);
        }
        if (dims < 2 || dims > 4096) {
            throw new IllegalArgumentException("--dims must be 2..4096, got " + dims);
        }
        if (queries < 1) {
            throw new IllegalArgumentException("--queries must be at least 1, got " + queries);
        }
        if (segments < 0) {
            throw new IllegalArgumentException("--segments must be 0 (no merge) or more, got " + segments);
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1, got " + rounds);
        }
    }

    /** The product's defaults for the encrypted directory (see conf/strongroom.yaml, section index). */
    static BenchIndex.CacheSettings defaultCache() {
        return new BenchIndex.CacheSettings(256L << 20, 1L << 30, 16 << 10);
    }
}
