package com.strongroom.search;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexNotFoundException;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.ControlledRealTimeReopenThread;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.QueryBuilder;

/**
 * The Lucene index of one dataset: one writer, near-real-time searchers refreshed at least every
 * {@link #MAX_STALE_SECONDS}, so a document is searchable within a second of being indexed and
 * queries never wait for writes.
 */
public final class DatasetIndex implements Closeable {
    static final double MAX_STALE_SECONDS = 0.5;
    static final String MODEL_KEY = "strongroom.embedding.model";
    static final String DIMENSIONS_KEY = "strongroom.embedding.dimensions";
    /** HNSW candidates per query; more costs time and buys recall (measured by the benchmark). */
    static final int KNN_CANDIDATES = 100;
    /** Each list fused by hybrid search is this many times the requested limit. */
    static final int HYBRID_DEPTH = 4;

    private final String datasetId;
    private final EmbeddingSpec spec;
    private final Directory directory;
    /** English stemming and stop words: "served" finds "serves", "when is" does not outweigh content words. */
    private final Analyzer analyzer = new EnglishAnalyzer();

    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final ControlledRealTimeReopenThread<IndexSearcher> reopener;

    private DatasetIndex(String datasetId, EmbeddingSpec spec, Directory directory, IndexWriterConfig.OpenMode mode)
            throws IOException {
        this.datasetId = datasetId;
        this.spec = spec;
        this.directory = directory;
        IndexWriterConfig config = new IndexWriterConfig(analyzer)
                .setOpenMode(mode)
                .setRAMBufferSizeMB(64)
                .setCommitOnClose(true);
        this.writer = new IndexWriter(directory, config);
        try {
            writer.setLiveCommitData(
                    Map.of(MODEL_KEY, spec.model(), DIMENSIONS_KEY, Integer.toString(spec.dimensions()))
                            .entrySet());
            if (mode == IndexWriterConfig.OpenMode.CREATE) {
                writer.commit(); // the spec is on disk before the first document
            }
            this.searchers = new SearcherManager(writer, null);
        } catch (IOException | RuntimeException e) {
            writer.rollback();
            throw e;
        }
        this.reopener = new ControlledRealTimeReopenThread<>(writer, searchers, MAX_STALE_SECONDS, 0.01);
        reopener.setName("strongroom-nrt-" + datasetId);
        reopener.setDaemon(true);
        reopener.start();
    }

    /** A new, empty index in {@code directory}, which must not hold one already. */
    public static DatasetIndex create(String datasetId, Directory directory, EmbeddingSpec spec) throws IOException {
        if (DirectoryReader.indexExists(directory)) {
            throw new IllegalStateException("dataset " + datasetId + " already has an index");
        }
        return new DatasetIndex(datasetId, spec, directory, IndexWriterConfig.OpenMode.CREATE);
    }

    /** The existing index in {@code directory}, with the embedding spec it was created with. */
    public static DatasetIndex open(String datasetId, Directory directory) throws IOException {
        Map<String, String> userData;
        try {
            userData = SegmentInfos.readLatestCommit(directory).getUserData();
        } catch (IndexNotFoundException e) {
            throw new IndexNotFoundException("dataset " + datasetId + " has no index in " + directory);
        }
        String model = userData.get(MODEL_KEY);
        String dimensions = userData.get(DIMENSIONS_KEY);
        if (model == null || dimensions == null) {
            throw new IOException("index of dataset " + datasetId + " does not record its embedding model");
        }
        EmbeddingSpec spec = new EmbeddingSpec(model, Integer.parseInt(dimensions));
        return new DatasetIndex(datasetId, spec, directory, IndexWriterConfig.OpenMode.APPEND);
    }

    public String datasetId() {
        return datasetId;
    }

    public EmbeddingSpec spec() {
        return spec;
    }

    /**
     * Replaces every chunk of {@code documentId} with {@code chunks}, atomically: a search sees the
     * old chunks or the new ones, never a mix.
     *
     * @return a generation to pass to {@link #awaitSearchable(long)}
     * @throws InvalidSearchException if a vector does not match the dataset's embedding spec or the
     *     metadata cannot be indexed; nothing is written then
     */
    public long replaceDocument(String documentId, List<ChunkRecord> chunks) throws IOException {
        List<Document> docs = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            ChunkRecord chunk = chunks.get(i);
            if (!chunk.documentId().equals(documentId)) {
                throw new IllegalArgumentException("chunk " + chunk.chunkId() + " belongs to another document");
            }
            spec.check(chunk.vector(), "chunks[" + i + "].vector");
            docs.add(ChunkSchema.toDocument(chunk));
        }
        return writer.updateDocuments(ChunkSchema.documentTerm(documentId), docs);
    }

    /** Removes every chunk of {@code documentId}; returns a generation as above. */
    public long deleteDocument(String documentId) throws IOException {
        return writer.deleteDocuments(ChunkSchema.documentTerm(documentId));
    }

    /** Blocks until changes up to {@code generation} are visible to searches. */
    public void awaitSearchable(long generation) throws InterruptedException {
        reopener.waitForGeneration(generation);
    }

    /** Waits at most {@code timeoutMillis}; false when the changes are not visible yet. */
    public boolean awaitSearchable(long generation, long timeoutMillis) throws InterruptedException {
        return reopener.waitForGeneration(generation, (int) Math.min(Integer.MAX_VALUE, timeoutMillis));
    }

    /** Makes everything indexed so far durable. */
    public void commit() throws IOException {
        if (writer.hasUncommittedChanges()) {
            writer.commit();
        }
    }

    public boolean hasUncommittedChanges() {
        return writer.hasUncommittedChanges();
    }

    /**
     * Merges the index down to at most {@code maxSegments} segments and commits: fewer, larger HNSW
     * graphs answer kNN faster. Costly (rewrites the index), so for maintenance and benchmarks.
     */
    public void forceMerge(int maxSegments) throws IOException {
        writer.forceMerge(maxSegments);
        writer.commit();
        searchers.maybeRefreshBlocking();
    }

    /** Segments in the index searches see now. */
    public int segmentCount() throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            return searcher.getIndexReader().leaves().size();
        } finally {
            searchers.release(searcher);
        }
    }

    /** Chunks visible to searches now. */
    public int chunkCount() throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            return searcher.getIndexReader().numDocs();
        } finally {
            searchers.release(searcher);
        }
    }

    /**
     * Runs {@code request}; {@code queryVector} must be given for semantic and hybrid modes (the
     * caller embeds the query text with the dataset's model, or passes the client's vector).
     */
    public List<SearchHit> search(SearchRequest request, float[] queryVector) throws IOException {
        Query filter = FilterQueries.parse(request.filters());
        if (request.mode().usesVectors()) {
            if (queryVector == null) {
                throw new IllegalArgumentException(request.mode().wireName() + " search needs a query vector");
            }
            spec.check(queryVector, "vector");
        }
        IndexSearcher searcher = searchers.acquire();
        try {
            int limit = request.limit();
            List<ScoreDoc> ranked =
                    switch (request.mode()) {
                        case SEMANTIC -> List.of(semantic(searcher, queryVector, filter, limit));
                        case KEYWORD -> List.of(keyword(searcher, request.query(), filter, limit));
                        case HYBRID ->
                            ReciprocalRankFusion.fuse(
                                    limit,
                                    List.of(
                                            semantic(searcher, queryVector, filter, limit * HYBRID_DEPTH),
                                            keyword(searcher, request.query(), filter, limit * HYBRID_DEPTH)));
                    };
            List<SearchHit> hits = new ArrayList<>(ranked.size());
            var stored = searcher.storedFields();
            for (ScoreDoc hit : ranked) {
                hits.add(ChunkSchema.toHit(stored, hit.doc, hit.score));
            }
            return hits;
        } finally {
            searchers.release(searcher);
        }
    }

    private static ScoreDoc[] semantic(IndexSearcher searcher, float[] vector, Query filter, int n) throws IOException {
        Query knn = new KnnFloatVectorQuery(ChunkSchema.VECTOR, vector, Math.max(n, KNN_CANDIDATES), filter);
        return searcher.search(knn, n).scoreDocs;
    }

    private ScoreDoc[] keyword(IndexSearcher searcher, String text, Query filter, int n) throws IOException {
        Query terms =
                new QueryBuilder(analyzer).createBooleanQuery(ChunkSchema.CONTENT, text, BooleanClause.Occur.SHOULD);
        if (terms == null) {
            return new ScoreDoc[0]; // only stop words or punctuation
        }
        Query query = filter == null
                ? terms
                : new BooleanQuery.Builder()
                        .add(terms, BooleanClause.Occur.MUST)
                        .add(filter, BooleanClause.Occur.FILTER)
                        .build();
        return searcher.search(query, n).scoreDocs;
    }

    /** Commits what was indexed and releases the files; the directory is the caller's to close. */
    @Override
    public void close() throws IOException {
        reopener.close();
        try {
            searchers.close();
        } finally {
            writer.close();
        }
    }

    /** Drops uncommitted changes and releases the files, e.g. when the keys are gone. */
    public void abandon() throws IOException {
        reopener.close();
        try {
            searchers.close();
        } finally {
            writer.rollback();
        }
    }
}
