package com.strongroom.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.crypto.SecretKeyBytes;
import com.strongroom.index.EncryptedDirectory;
import com.strongroom.index.PageCache;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.store.MMapDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search engine over a real encrypted index on disk. Vectors are built by hand around a few
 * topic directions so that the expected neighbours are known without a model.
 */
class DatasetIndexTest {
    private static final int DIMS = 16;
    private static final EmbeddingSpec SPEC = new EmbeddingSpec("test-topics", DIMS);

    @TempDir
    Path path;

    private final SecretKeyBytes dek = SecretKeyBytes.random(32);
    private EncryptedDirectory directory;
    private DatasetIndex index;

    @BeforeEach
    void open() throws IOException {
        directory = EncryptedDirectory.create(
                new MMapDirectory(path), dek, PageCache.create(8 << 20, 8 << 20), EncryptedDirectory.DEFAULT_PAGE_SIZE);
        index = DatasetIndex.create("ds_test", directory, SPEC);
    }

    @AfterEach
    void close() throws IOException {
        index.close();
        directory.close();
    }

    /** A unit vector near topic axis {@code topic}, slightly tilted by {@code seed}. */
    private static float[] topic(int topic, long seed) {
        Random random = new Random(seed);
        float[] v = new float[DIMS];
        v[topic] = 1f;
        for (int i = 0; i < DIMS; i++) {
            v[i] += (float) (random.nextGaussian() * 0.05);
        }
        return v;
    }

    private static ChunkRecord chunk(String doc, int n, String text, float[] vector, Map<String, Object> metadata) {
        return new ChunkRecord("ch_" + doc + "_" + n, doc, text, n * 100, n * 100 + text.length(), vector, metadata);
    }

    private void indexCorpus() throws Exception {
        long gen = 0;
        gen = index.replaceDocument(
                "doc_hsm",
                List.of(
                        chunk(
                                "doc_hsm",
                                0,
                                "The hardware security module keeps the wrapping key.",
                                topic(0, 1),
                                Map.of("team", "security", "year", 2021, "published", "2021-03-04")),
                        chunk(
                                "doc_hsm",
                                1,
                                "Revoking the key seals the appliance at once.",
                                topic(0, 2),
                                Map.of("team", "security", "year", 2021, "published", "2021-03-04"))));
        gen = index.replaceDocument(
                "doc_cats",
                List.of(chunk(
                        "doc_cats",
                        0,
                        "Cats sleep most of the day and hunt at dusk.",
                        topic(1, 3),
                        Map.of(
                                "team",
                                "zoology",
                                "year",
                                2019,
                                "published",
                                "2019-11-30T10:00:00Z",
                                "tags",
                                List.of("animals", "pets")))));
        gen = index.replaceDocument(
                "doc_tax",
                List.of(chunk(
                        "doc_tax",
                        0,
                        "Quarterly tax filings are due in April.",
                        topic(2, 4),
                        Map.of("team", "finance", "year", 2024, "published", "2024-04-01", "audited", true))));
        index.awaitSearchable(gen);
    }

    private List<String> chunkIds(List<SearchHit> hits) {
        return hits.stream().map(SearchHit::chunkId).toList();
    }

    @Test
    void semanticSearch_findsTheNearestTopic_andReturnsTheStoredChunk() throws Exception {
        indexCorpus();
        List<SearchHit> hits =
                index.search(new SearchRequest(null, topic(1, 99), SearchMode.SEMANTIC, Map.of(), 1), topic(1, 99));
        assertEquals(1, hits.size());
        SearchHit hit = hits.getFirst();
        assertEquals("ch_doc_cats_0", hit.chunkId());
        assertEquals("doc_cats", hit.documentId());
        assertEquals("Cats sleep most of the day and hunt at dusk.", hit.content());
        assertEquals(0, hit.start());
        assertEquals(hit.content().length(), hit.end());
        assertEquals(List.of("animals", "pets"), hit.metadata().get("tags"));
        assertTrue(hit.score() > 0.9f, "cosine score of a near-identical vector: " + hit.score());
    }

    @Test
    void keywordSearch_usesBm25OverTheText() throws Exception {
        indexCorpus();
        List<SearchHit> hits = index.search(SearchRequest.of("tax filings", SearchMode.KEYWORD, 5), null);
        assertEquals(List.of("ch_doc_tax_0"), chunkIds(hits));
        assertTrue(
                index.search(SearchRequest.of("the of and", SearchMode.KEYWORD, 5), null).stream()
                        .noneMatch(h -> h.documentId().equals("doc_tax")),
                "no shared words, no hit");
        assertEquals(List.of(), index.search(SearchRequest.of("?!", SearchMode.KEYWORD, 5), null), "no terms at all");
    }

    @Test
    void hybridSearch_fusesRanks_soAChunkStrongInBothListsWins() throws Exception {
        indexCorpus();
        // the text matches the HSM chunks, the vector points at topic 0 as well: both lists agree
        float[] q = topic(0, 2); // the vector of ch_doc_hsm_1 itself
        List<SearchHit> hits =
                index.search(new SearchRequest("revoking the key", q, SearchMode.HYBRID, Map.of(), 3), q);
        assertEquals("ch_doc_hsm_1", hits.getFirst().chunkId());
        float expectedTop = 2f / (ReciprocalRankFusion.K + 1);
        assertEquals(expectedTop, hits.getFirst().score(), 1e-6, "first in both lists");
        // a vector that disagrees with the text: the keyword winner and the semantic winner both appear
        float[] cats = topic(1, 51);
        List<String> mixed =
                chunkIds(index.search(new SearchRequest("tax", cats, SearchMode.HYBRID, Map.of(), 2), cats));
        assertTrue(mixed.contains("ch_doc_tax_0") && mixed.contains("ch_doc_cats_0"), mixed.toString());
    }

    @Test
    void filters_equalityOneOfNumericAndDateRanges() throws Exception {
        indexCorpus();
        float[] q = topic(0, 7);
        assertEquals(List.of("doc_tax"), docs(Map.of("team", "finance"), q));
        assertEquals(List.of("doc_tax"), docs(Map.of("audited", true), q));
        assertEquals(List.of("doc_cats"), docs(Map.of("tags", Map.of("in", List.of("pets", "birds"))), q));
        assertEquals(
                List.of("doc_cats", "doc_tax"), docs(Map.of("team", Map.of("in", List.of("zoology", "finance"))), q));
        assertEquals(List.of("doc_hsm", "doc_tax"), docs(Map.of("year", Map.of("gte", 2020)), q));
        assertEquals(List.of("doc_hsm"), docs(Map.of("year", Map.of("gt", 2019, "lt", 2024)), q));
        assertEquals(List.of("doc_tax"), docs(Map.of("year", 2024), q));
        assertEquals(List.of("doc_cats", "doc_hsm"), docs(Map.of("published", Map.of("lt", "2024-01-01")), q));
        assertEquals(
                List.of("doc_cats"),
                docs(Map.of("published", Map.of("gte", "2019-11-30T09:00:00Z", "lte", "2019-12-01")), q));
        assertEquals(List.of(), docs(Map.of("team", "security", "year", 2024), q), "all keys must match");
    }

    /** Distinct documents found by a semantic query with {@code filters}, sorted. */
    private List<String> docs(Map<String, Object> filters, float[] q) throws IOException {
        return index.search(new SearchRequest(null, q, SearchMode.SEMANTIC, filters, 50), q).stream()
                .map(SearchHit::documentId)
                .distinct()
                .sorted()
                .toList();
    }

    @Test
    void badFilters_areRejectedWithTheFieldNamed() throws Exception {
        indexCorpus();
        float[] q = topic(0, 7);
        assertInvalid("filters.year.between", Map.of("year", Map.of("between", 1)), q);
        assertInvalid("filters.year.gte", Map.of("year", Map.of("gte", "soon")), q);
        assertInvalid("filters.year", Map.of("year", Map.of("gte", 2020, "lt", "2024-01-01")), q);
        assertInvalid("filters.tags.in", Map.of("tags", Map.of("in", List.of())), q);
        assertInvalid("filters.bad key", Map.of("bad key", "x"), q);
        assertInvalid("filters.team", Map.of("team", Map.of()), q);
    }

    private void assertInvalid(String field, Map<String, Object> filters, float[] q) {
        InvalidSearchException e = assertThrows(
                InvalidSearchException.class,
                () -> index.search(new SearchRequest(null, q, SearchMode.SEMANTIC, filters, 5), q));
        assertEquals("invalid_filter", e.code());
        assertEquals(field, e.field(), e.getMessage());
    }

    @Test
    void vectorsOfAnotherModel_areRejected_andNothingIsWritten() throws Exception {
        indexCorpus();
        int before = index.chunkCount();
        InvalidSearchException wrongDims = assertThrows(
                InvalidSearchException.class,
                () -> index.replaceDocument("doc_x", List.of(chunk("doc_x", 0, "x", new float[DIMS + 1], Map.of()))));
        assertEquals("embedding_mismatch", wrongDims.code());
        assertTrue(wrongDims.getMessage().contains("test-topics"), wrongDims.getMessage());
        assertThrows(
                InvalidSearchException.class,
                () -> index.replaceDocument(
                        "doc_x",
                        List.of(
                                chunk("doc_x", 0, "x", topic(3, 1), Map.of()),
                                chunk("doc_x", 1, "y", new float[DIMS], Map.of()))),
                "an all-zero vector has no cosine");
        float[] wrongQuery = new float[8];
        wrongQuery[0] = 1;
        assertEquals(
                "embedding_mismatch",
                assertThrows(
                                InvalidSearchException.class,
                                () -> index.search(
                                        new SearchRequest(null, wrongQuery, SearchMode.SEMANTIC, Map.of(), 5),
                                        wrongQuery))
                        .code());
        index.awaitSearchable(index.deleteDocument("doc_none"));
        assertEquals(before, index.chunkCount(), "the rejected documents left nothing behind");
    }

    @Test
    void replacingADocument_swapsAllItsChunks_andDeletingRemovesThem() throws Exception {
        indexCorpus();
        long gen = index.replaceDocument(
                "doc_hsm",
                List.of(chunk("doc_hsm", 0, "A shorter second version.", topic(0, 9), Map.of("team", "security"))));
        index.awaitSearchable(gen);
        float[] q = topic(0, 10);
        assertEquals(
                List.of("ch_doc_hsm_0"),
                chunkIds(index.search(
                        new SearchRequest(null, q, SearchMode.SEMANTIC, Map.of("team", "security"), 10), q)));
        index.awaitSearchable(index.deleteDocument("doc_hsm"));
        assertTrue(index.search(new SearchRequest(null, q, SearchMode.SEMANTIC, Map.of("team", "security"), 10), q)
                .isEmpty());
        assertEquals(2, index.chunkCount());
    }

    @Test
    void anIndexedDocument_isSearchableWithinOneSecond_withoutWaitingOnIt() throws Exception {
        indexCorpus();
        long indexedAt = System.nanoTime();
        index.replaceDocument("doc_new", List.of(chunk("doc_new", 0, "zebra crossing", topic(5, 1), Map.of())));
        while (index.search(SearchRequest.of("zebra", SearchMode.KEYWORD, 1), null)
                .isEmpty()) {
            assertTrue(System.nanoTime() - indexedAt < 1_000_000_000L, "not searchable within 1 s");
            Thread.sleep(10);
        }
    }

    @Test
    void theEmbeddingSpec_survivesAReopen_andTheDataIsStillThere() throws Exception {
        indexCorpus();
        index.close();
        directory.close();
        directory = EncryptedDirectory.create(
                new MMapDirectory(path), dek, PageCache.create(8 << 20, 8 << 20), EncryptedDirectory.DEFAULT_PAGE_SIZE);
        index = DatasetIndex.open("ds_test", directory);
        assertEquals(SPEC, index.spec());
        assertEquals(4, index.chunkCount(), "close committed everything");
        assertThrows(IllegalStateException.class, () -> DatasetIndex.create("ds_test", directory, SPEC));
    }

    @Test
    void queriesRunWhileWritesGoOn() throws Exception {
        indexCorpus();
        AtomicBoolean writing = new AtomicBoolean(true);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger queries = new AtomicInteger();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Thread reader = new Thread(() -> {
                int lastSeen = 0;
                try {
                    while (writing.get()) {
                        float[] q = topic(4, queries.get());
                        int seen = index.search(
                                        new SearchRequest("bulk", q, SearchMode.HYBRID, Map.of("team", "bulk"), 50), q)
                                .size();
                        if (seen < lastSeen) {
                            throw new AssertionError("results went backwards: " + seen + " < " + lastSeen);
                        }
                        lastSeen = seen;
                        queries.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            reader.start();
            readers.add(reader);
        }
        long gen = 0;
        for (int d = 0; d < 300; d++) {
            gen = index.replaceDocument(
                    "doc_bulk_" + d,
                    List.of(chunk("doc_bulk_" + d, 0, "bulk text number " + d, topic(4, d), Map.of("team", "bulk"))));
        }
        index.awaitSearchable(gen);
        writing.set(false);
        for (Thread reader : readers) {
            reader.join();
        }
        assertTrue(failures.isEmpty(), () -> failures.peek().toString());
        assertTrue(queries.get() > 0, "readers ran");
        assertEquals(304, index.chunkCount());
        assertFalse(index.search(SearchRequest.of("bulk", SearchMode.KEYWORD, 50), null)
                .isEmpty());
    }
}
