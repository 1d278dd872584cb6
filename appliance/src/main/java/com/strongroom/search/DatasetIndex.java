package com.strongroom.search;

import com.strongroom.index.EncryptedDirectory;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.IndexNotFoundException;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KeepOnlyLastCommitDeletionPolicy;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.SnapshotDeletionPolicy;
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
    /** The change-log position the commit holds everything up to (see {@link IndexChangeLog}). */
    public static final String JOURNAL_KEY = "strongroom.journal.position";
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
    private final SnapshotDeletionPolicy commits;
    private final ReencryptingMergePolicy reencrypting;
    private final IndexChangeLog changeLog;
    private final SearcherManager searchers;
    private final ControlledRealTimeReopenThread<IndexSearcher> reopener;

    private DatasetIndex(
            String datasetId,
            EmbeddingSpec spec,
            Directory directory,
            IndexWriterConfig.OpenMode mode,
            IndexChangeLog changeLog)
            throws IOException {
        this.datasetId = datasetId;
        this.spec = spec;
        this.directory = directory;
        this.changeLog = changeLog;
        // Backups pin a commit while they copy its files; the policy keeps only the newest otherwise.
        this.commits = new SnapshotDeletionPolicy(new KeepOnlyLastCommitDeletionPolicy());
        IndexWriterConfig config = new IndexWriterConfig(analyzer);
        this.reencrypting = directory instanceof EncryptedDirectory encrypted
                ? new ReencryptingMergePolicy(config.getMergePolicy(), encrypted)
                : null;
        if (reencrypting != null) {
            config.setMergePolicy(reencrypting);
        }
        config.setOpenMode(mode)
                .setRAMBufferSizeMB(64)
                .setIndexDeletionPolicy(commits)
                .setCommitOnClose(false);
        this.writer = new IndexWriter(directory, config);
        try {
            if (mode == IndexWriterConfig.OpenMode.CREATE) {
                commitWithPosition(); // the spec is on disk before the first document
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
        return create(datasetId, directory, spec, IndexChangeLog.NONE);
    }

    public static DatasetIndex create(
            String datasetId, Directory directory, EmbeddingSpec spec, IndexChangeLog changeLog) throws IOException {
        if (DirectoryReader.indexExists(directory)) {
            throw new IllegalStateException("dataset " + datasetId + " already has an index");
        }
        return new DatasetIndex(datasetId, spec, directory, IndexWriterConfig.OpenMode.CREATE, changeLog);
    }

    /** The existing index in {@code directory}, with the embedding spec it was created with. */
    public static DatasetIndex open(String datasetId, Directory directory) throws IOException {
        return open(datasetId, directory, IndexChangeLog.NONE);
    }

    public static DatasetIndex open(String datasetId, Directory directory, IndexChangeLog changeLog)
            throws IOException {
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
        return new DatasetIndex(datasetId, spec, directory, IndexWriterConfig.OpenMode.APPEND, changeLog);
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
        long generation = writer.updateDocuments(ChunkSchema.documentTerm(documentId), docs);
        changeLog.replaced(datasetId, documentId, chunks);
        return generation;
    }

    /** Removes every chunk of {@code documentId}; returns a generation as above. */
    public long deleteDocument(String documentId) throws IOException {
        long generation = writer.deleteDocuments(ChunkSchema.documentTerm(documentId));
        changeLog.deleted(datasetId, documentId);
        return generation;
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
            commitWithPosition();
        }
    }

    /*
     * The position is read before the commit starts: every change numbered at or below it was
     * written to the writer before it was numbered, so the commit holds it.
     */
    private synchronized void commitWithPosition() throws IOException {
        writer.setLiveCommitData(Map.of(
                        MODEL_KEY,
                        spec.model(),
                        DIMENSIONS_KEY,
                        Integer.toString(spec.dimensions()),
                        JOURNAL_KEY,
                        Long.toString(changeLog.position()))
                .entrySet());
        writer.commit();
    }

    /**
     * Pins the newest commit so that its files stay on disk until {@link #release}; a backup copies
     * them meanwhile while the writer goes on.
     */
    public IndexCommit pinCommit() throws IOException {
        commit();
        return commits.snapshot();
    }

    public void release(IndexCommit commit) throws IOException {
        commits.release(commit);
        writer.deleteUnusedFiles();
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
        commitWithPosition();
        searchers.maybeRefreshBlocking();
    }

    /** Files and bytes on disk under one data-key version. */
    public record VersionUsage(int files, long bytes) {}

    /**
     * The data-key versions of the index's files on disk, from their clear-text headers: every
     * file, those of older commits a backup still pins included. Empty for an unencrypted index.
     */
    public Map<Integer, VersionUsage> keyVersionUsage() throws IOException {
        Map<Integer, VersionUsage> usage = new java.util.TreeMap<>();
        if (!(directory instanceof EncryptedDirectory encrypted)) {
            return usage;
        }
        for (String name : encrypted.listAll()) {
            java.nio.file.Path file = encrypted.getDirectory().resolve(name);
            java.util.OptionalInt version;
            long bytes;
            try {
                version = encrypted.keyVersion(name);
                bytes = java.nio.file.Files.size(file);
            } catch (java.nio.file.NoSuchFileException e) {
                continue; // deleted by the writer meanwhile
            }
            if (version.isPresent()) {
                usage.merge(
                        version.getAsInt(),
                        new VersionUsage(1, bytes),
                        (a, b) -> new VersionUsage(a.files() + b.files(), a.bytes() + b.bytes()));
            }
        }
        return usage;
    }

    /**
     * Rewrites every segment that has a file under another data-key version than {@code version}
     * (one merge per segment, while searches and writes go on), then commits, so that the newest
     * commit names only files under {@code version}. Returns the bytes of the segments rewritten.
     */
    public long reencryptTo(int version) throws IOException {
        if (reencrypting == null) {
            return 0;
        }
        long bytes = 0;
        SegmentInfos latest = SegmentInfos.readLatestCommit(directory);
        for (org.apache.lucene.index.SegmentCommitInfo segment : latest) {
            if (reencrypting.underOtherVersion(segment, version)) {
                bytes += segment.sizeInBytes();
            }
        }
        java.util.OptionalInt commitFile = ((EncryptedDirectory) directory).keyVersion(latest.getSegmentsFileName());
        if (bytes == 0 && commitFile.isPresent() && commitFile.getAsInt() == version) {
            return 0; // nothing to move: no merge, and no empty commit every time the pass looks
        }
        reencrypting.target(version);
        try {
            writer.forceMerge(Integer.MAX_VALUE);
        } finally {
            reencrypting.target(0);
        }
        commitWithPosition(); // a new segments_N under the new version, even with nothing merged
        searchers.maybeRefreshBlocking();
        writer.deleteUnusedFiles();
        return bytes;
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

    /** The text of one chunk searches see now (the first live one), e.g. for a DR drill's check query. */
    public java.util.Optional<String> sampleText() throws IOException {
        IndexSearcher searcher = searchers.acquire();
        try {
            for (var leaf : searcher.getIndexReader().leaves()) {
                var live = leaf.reader().getLiveDocs();
                for (int d = 0; d < leaf.reader().maxDoc(); d++) {
                    if (live == null || live.get(d)) {
                        String text = leaf.reader().storedFields().document(d).get(ChunkSchema.CONTENT);
                        if (text != null && !text.isBlank()) {
                            return java.util.Optional.of(text);
                        }
                    }
                }
            }
            return java.util.Optional.empty();
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
        try {
            return keywordUnbounded(searcher, text, filter, n);
        } catch (IndexSearcher.TooManyClauses e) {
            // A bound of Lucene's (a clause per term), reached by a long query text: the caller's to fix.
            throw new InvalidSearchException(
                    "invalid_query",
                    "query",
                    "query: has more than " + IndexSearcher.getMaxClauseCount()
                            + " search terms (after stop words); shorten it or use the semantic mode.");
        }
    }

    private ScoreDoc[] keywordUnbounded(IndexSearcher searcher, String text, Query filter, int n) throws IOException {
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
            commit();
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
