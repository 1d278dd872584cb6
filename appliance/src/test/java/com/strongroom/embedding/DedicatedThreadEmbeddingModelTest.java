package com.strongroom.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class DedicatedThreadEmbeddingModelTest {
    /** Stands in for a native model: the vector is the text's length, the thread is recorded. */
    private static final class LengthModel implements EmbeddingModel {
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();
        volatile boolean closed;

        @Override
        public String id() {
            return "length";
        }

        @Override
        public int dimensions() {
            return 1;
        }

        @Override
        public List<float[]> embed(List<String> texts) {
            threads.add(Thread.currentThread());
            if (texts.contains("boom")) {
                throw new EmbeddingException("model failed on purpose");
            }
            return texts.stream().map(t -> new float[] {t.length()}).toList();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void virtualThreadCallers_areServedByOnePlatformThread_eachWithItsOwnAnswer() throws Exception {
        LengthModel inner = new LengthModel();
        try (DedicatedThreadEmbeddingModel model = new DedicatedThreadEmbeddingModel(inner);
                ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<float[]>>> answers = new ArrayList<>();
            for (int i = 1; i <= 200; i++) {
                String text = "x".repeat(i);
                answers.add(callers.submit(() -> model.embed(List.of(text, text + text))));
            }
            for (int i = 1; i <= 200; i++) {
                List<float[]> vectors = answers.get(i - 1).get();
                assertEquals(i, vectors.get(0)[0]);
                assertEquals(2 * i, vectors.get(1)[0]);
            }
            assertEquals(1, inner.threads.size());
            Thread worker = inner.threads.iterator().next();
            assertFalse(worker.isVirtual());
            assertEquals("strongroom-embedding", worker.getName());
            assertEquals("length", model.id());
            assertEquals(1, model.dimensions());
        }
        assertEquals(true, inner.closed);
    }

    @Test
    void aFailure_reachesTheCaller_asTheModelsOwnException_andTheThreadLivesOn() {
        try (DedicatedThreadEmbeddingModel model = new DedicatedThreadEmbeddingModel(new LengthModel())) {
            EmbeddingException e = assertThrows(EmbeddingException.class, () -> model.embed(List.of("boom")));
            assertEquals("model failed on purpose", e.getMessage());
            assertEquals(3, model.embed("abc")[0]);
        }
    }

    @Test
    void afterClose_callsFailClearly() {
        DedicatedThreadEmbeddingModel model = new DedicatedThreadEmbeddingModel(new LengthModel());
        model.close();
        EmbeddingException e = assertThrows(EmbeddingException.class, () -> model.embed("abc"));
        assertEquals("the embedding model is shut down", e.getMessage());
        assertSame(List.of(), model.embed(List.of()));
    }
}
