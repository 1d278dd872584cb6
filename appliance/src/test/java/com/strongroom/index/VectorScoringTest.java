package com.strongroom.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.crypto.SecretKeyBytes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.lucene.codecs.hnsw.FlatVectorScorerUtil;
import org.apache.lucene.codecs.lucene95.HasIndexSlice;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.store.MemorySegmentAccessInput;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Lucene's SIMD vector scorers must read decrypted vectors in place, compound file or not. */
class VectorScoringTest {
    private static final int DOCS = 200;
    private static final int DIMS = 32;

    @TempDir
    Path path;

    @ParameterizedTest(name = "compound file: {0}")
    @ValueSource(booleans = {false, true})
    void vectorData_isAMemorySegment_soTheSimdScorerRunsOnIt(boolean compound) throws IOException {
        try (EncryptedDirectory dir = index(compound, 16 << 20);
                DirectoryReader reader = DirectoryReader.open(dir)) {
            for (LeafReaderContext leaf : reader.leaves()) {
                FloatVectorValues values = leaf.reader().getFloatVectorValues("v");
                var slice = ((HasIndexSlice) values).getSlice();
                MemorySegmentAccessInput input = assertInstanceOf(MemorySegmentAccessInput.class, slice);
                assertTrue(input.segmentSliceOrNull(0, slice.length()) != null);
                RandomVectorScorer scorer = FlatVectorScorerUtil.getLucene99FlatVectorsScorer()
                        .getRandomVectorScorer(VectorSimilarityFunction.DOT_PRODUCT, values, vector(0));
                assertTrue(
                        scorer.getClass().getName().contains("MemorySegment"),
                        "Panama scorer expected, got " + scorer.getClass().getName());
            }
            assertNearestIsItself(reader);
        }
    }

    @Test
    void withoutVectorBudget_vectorsArePaged_andSearchStillWorks() throws IOException {
        try (EncryptedDirectory dir = index(false, 0);
                DirectoryReader reader = DirectoryReader.open(dir)) {
            FloatVectorValues values = reader.leaves().getFirst().reader().getFloatVectorValues("v");
            assertFalse(((HasIndexSlice) values).getSlice() instanceof MemorySegmentAccessInput);
            RandomVectorScorer scorer = FlatVectorScorerUtil.getLucene99FlatVectorsScorer()
                    .getRandomVectorScorer(VectorSimilarityFunction.DOT_PRODUCT, values, vector(0));
            assertFalse(
                    scorer.getClass().getName().contains("MemorySegment"),
                    scorer.getClass().getName());
            assertNearestIsItself(reader);
        }
    }

    private EncryptedDirectory index(boolean compound, long vectorBytes) throws IOException {
        EncryptedDirectory dir = EncryptedDirectory.create(
                new MMapDirectory(path), SecretKeyBytes.random(32), PageCache.create(1 << 20, vectorBytes));
        IndexWriterConfig config = new IndexWriterConfig().setUseCompoundFile(compound);
        config.getMergePolicy().setNoCFSRatio(compound ? 1.0 : 0.0);
        try (IndexWriter writer = new IndexWriter(dir, config)) {
            for (int i = 0; i < DOCS; i++) {
                Document doc = new Document();
                doc.add(new StoredField("id", i));
                doc.add(new KnnFloatVectorField("v", vector(i), VectorSimilarityFunction.DOT_PRODUCT));
                writer.addDocument(doc);
            }
            writer.forceMerge(1);
        }
        assertEquals(compound, Arrays.stream(dir.listAll()).anyMatch(n -> n.endsWith(".cfs")));
        return dir;
    }

    private static void assertNearestIsItself(DirectoryReader reader) throws IOException {
        IndexSearcher searcher = new IndexSearcher(reader);
        for (int i : new int[] {0, 17, 199}) {
            TopDocs top = searcher.search(new KnnFloatVectorQuery("v", vector(i), 1), 1);
            assertEquals(
                    i,
                    searcher.storedFields()
                            .document(top.scoreDocs[0].doc)
                            .getField("id")
                            .numericValue());
        }
    }

    /** Unit vectors, distinct per document. */
    private static float[] vector(int i) {
        float[] v = new float[DIMS];
        double norm = 0;
        for (int j = 0; j < DIMS; j++) {
            v[j] = (float) Math.sin(i * 1.3 + j * 0.7);
            norm += v[j] * v[j];
        }
        for (int j = 0; j < DIMS; j++) {
            v[j] /= (float) Math.sqrt(norm);
        }
        return v;
    }
}
