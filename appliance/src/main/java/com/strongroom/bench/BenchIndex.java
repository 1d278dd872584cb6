package com.strongroom.bench;

import com.strongroom.crypto.SecretKeyBytes;
import com.strongroom.index.EncryptedDirectory;
import com.strongroom.index.PageCache;
import com.strongroom.search.ChunkRecord;
import com.strongroom.search.DatasetIndex;
import com.strongroom.search.EmbeddingSpec;
import com.strongroom.search.SearchHit;
import com.strongroom.search.SearchMode;
import com.strongroom.search.SearchRequest;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.stream.Stream;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;

/**
 * One of the two indexes the benchmark compares, built and searched through the product's own
 * {@link DatasetIndex} (same schema, analyzer, HNSW settings and stored-field reads per hit), so
 * the only difference between the two is the directory underneath.
 */
final class BenchIndex implements Closeable {
    /** Chunks per indexed document, as a few-page document cut by the chunker would give. */
    static final int CHUNKS_PER_DOCUMENT = 10;

    static final int K = 10;

    enum Kind {
        PLAIN,
        ENCRYPTED
    }

    /** What the encrypted directory gets: the product's defaults unless the operator says otherwise. */
    record CacheSettings(long pageCacheBytes, long vectorCacheBytes, int pageSize) {}

    private final Kind kind;
    private final Path path;
    private final Directory directory;
    private final PageCache cache;
    private final SecretKeyBytes dek;
    private final double buildSeconds;
    private final int size;
    private DatasetIndex index;

    private BenchIndex(
            Kind kind, Path path, Directory directory, PageCache cache, SecretKeyBytes dek, double seconds, int size) {
        this.kind = kind;
        this.path = path;
        this.directory = directory;
        this.cache = cache;
        this.dek = dek;
        this.buildSeconds = seconds;
        this.size = size;
    }

    /**
     * Indexes the first {@code count} chunks of {@code corpus} into a new index under {@code path}.
     * The time includes closing the writer, which flushes, commits and waits for merges: what it
     * costs until the index is settled, not just until the last call returned.
     */
    static BenchIndex build(
            Kind kind, Path path, Corpus corpus, int count, CacheSettings settings, IntConsumer percentDone)
            throws IOException {
        Files.createDirectories(path);
        SecretKeyBytes dek = null;
        PageCache cache = null;
        Directory directory;
        if (kind == Kind.ENCRYPTED) {
            // A random data key stands in for one unwrapped by the HSM: unwrapping happens once per
            // dataset at unseal and plays no part in the cost of a query or of indexing.
            dek = SecretKeyBytes.random(32);
            cache = PageCache.create(settings.pageCacheBytes(), settings.vectorCacheBytes());
            directory = EncryptedDirectory.create(new MMapDirectory(path), dek, cache, settings.pageSize());
        } else {
            directory = new MMapDirectory(path);
        }
        EmbeddingSpec spec = new EmbeddingSpec("bench", corpus.dims());
        long start = System.nanoTime();
        try (DatasetIndex index = DatasetIndex.create("bench-" + kind.name().toLowerCase(), directory, spec)) {
            int lastPercent = -1;
            for (int from = 0; from < count; from += CHUNKS_PER_DOCUMENT) {
                int to = Math.min(count, from + CHUNKS_PER_DOCUMENT);
                String documentId = "d" + from;
                List<ChunkRecord> chunks = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) {
                    String text = corpus.texts().get(i);
                    chunks.add(new ChunkRecord(
                            "c" + i, documentId, text, 0, text.length(), corpus.vectors()[i], Map.of()));
                }
                index.replaceDocument(documentId, chunks);
                int percent = (int) (100L * to / count);
                if (percent / 10 != lastPercent / 10) {
                    percentDone.accept(percent);
                    lastPercent = percent;
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        BenchIndex built = new BenchIndex(kind, path, directory, cache, dek, seconds, count);
        built.index = DatasetIndex.open("bench-" + kind.name().toLowerCase(), directory);
        return built;
    }

    /**
     * Merges to {@code segments} segments so both indexes have the same shape: otherwise flush
     * timing decides how many HNSW graphs a query visits, which moves kNN latency more than
     * encryption does.
     */
    void forceMerge(int segments) throws IOException {
        index.forceMerge(segments);
    }

    int segmentCount() throws IOException {
        return index.segmentCount();
    }

    Kind kind() {
        return kind;
    }

    double indexedPerSecond() {
        return size / buildSeconds;
    }

    long bytesOnDisk() throws IOException {
        try (Stream<Path> files = Files.list(path)) {
            long sum = 0;
            for (Path file : (Iterable<Path>) files::iterator) {
                sum += Files.size(file);
            }
            return sum;
        }
    }

    /** Bytes of decrypted pages and vector data held off-heap now (0 for the plain index). */
    long cachedBytes() {
        if (cache == null) {
            return 0;
        }
        PageCache.Usage usage = cache.usage();
        return usage.pageBytes() + usage.vectorBytes();
    }

    /** The ids of the top {@link #K} chunks by HNSW kNN, best first. */
    int[] knn(float[] vector) throws IOException {
        return ids(index.search(new SearchRequest(null, vector, SearchMode.SEMANTIC, Map.of(), K), vector));
    }

    /** The ids of the top {@link #K} chunks by BM25. */
    int[] bm25(String query) throws IOException {
        return ids(index.search(SearchRequest.of(query, SearchMode.KEYWORD, K), null));
    }

    private static int[] ids(List<SearchHit> hits) {
        int[] ids = new int[hits.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Integer.parseInt(hits.get(i).chunkId().substring(1));
        }
        return ids;
    }

    @Override
    public void close() throws IOException {
        try {
            if (index != null) {
                index.close();
            }
        } finally {
            directory.close(); // closes the cache with it
            if (dek != null) {
                dek.destroy();
            }
        }
    }
}
