package com.strongroom.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.util.VectorUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The built-in model, loaded from its Maven Central artifact and run for real. */
class MiniLmEmbeddingModelTest {
    private static MiniLmEmbeddingModel model;

    @BeforeAll
    static void load() {
        model = MiniLmEmbeddingModel.load(8, 0);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void vectorsAreUnitLength_384Dimensions_inInputOrder() {
        List<String> texts = List.of("short", "a somewhat longer sentence about encryption keys", "mid length text");
        List<float[]> vectors = model.embed(texts);
        assertEquals(3, vectors.size());
        for (float[] v : vectors) {
            assertEquals(384, v.length);
            assertEquals(1.0, Math.sqrt(VectorUtil.dotProduct(v, v)), 1e-4);
        }
        assertSameMeaning(model.embed("mid length text"), vectors.get(2));
    }

    /**
     * The int8 model quantises activations per batch, so a text's vector moves slightly with its
     * batch companions; what must hold is that it stays the same point for search.
     */
    private static void assertSameMeaning(float[] alone, float[] inBatch) {
        float cosine = VectorUtil.cosine(alone, inBatch);
        System.out.println("cosine(alone, in batch) = " + cosine);
        assertTrue(cosine > 0.98f, "cosine " + cosine);
    }

    @Test
    void meaningIsCaptured_paraphrasesAreCloserThanUnrelatedText() {
        float[] query = model.embed("How do I revoke the encryption key?");
        float[] related = model.embed("Deleting the key-encryption key in the HSM seals the appliance.");
        float[] unrelated = model.embed("Cats sleep most of the day and hunt at dusk.");
        assertTrue(
                VectorUtil.cosine(query, related) > VectorUtil.cosine(query, unrelated) + 0.1,
                "related " + VectorUtil.cosine(query, related) + " vs unrelated "
                        + VectorUtil.cosine(query, unrelated));
    }

    @Test
    void largeBatches_acrossSubBatches_keepOrder() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            texts.add("document number " + i + " " + "padding ".repeat(i % 7));
        }
        List<float[]> all = model.embed(texts);
        for (int i : new int[] {0, 13, 49}) {
            assertSameMeaning(model.embed(texts.get(i)), all.get(i));
        }
    }
}
