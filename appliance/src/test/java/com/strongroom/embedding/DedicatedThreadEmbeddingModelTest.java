package com.strongroom.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

    /** Records the order texts are embedded in; the first call waits until released. */
    private static final class HeldModel implements EmbeddingModel {
        final List<String> order = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public String id() {
            return "held";
        }

        @Override
        public int dimensions() {
            return 1;
        }

        @Override
        public List<float[]> embed(List<String> texts) {
            if (started.getCount() > 0) {
                started.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            order.add(texts.getFirst());
            return texts.stream().map(t -> new float[] {t.length()}).toList();
        }
    }

    @Test
    void aQueryGoesBeforeQueuedBatches_butAfterTheOneRunning() throws Exception {
        HeldModel held = new HeldModel();
        DedicatedThreadEmbeddingModel model = new DedicatedThreadEmbeddingModel(held);
        try {
            List<Thread> callers = new ArrayList<>();
            callers.add(Thread.ofVirtual().start(() -> model.embed(List.of("batch-1"))));
            assertTrue(held.started.await(10, TimeUnit.SECONDS));
            for (String batch : List.of("batch-2", "batch-3")) {
                Thread t = Thread.ofVirtual().start(() -> model.embed(List.of(batch)));
                callers.add(t);
                awaitQueued(model, callers.size() - 1);
            }
            float[][] answer = new float[1][];
            Thread query = Thread.ofVirtual().start(() -> answer[0] = model.embedQuery("query"));
            awaitQueued(model, 3);
            held.release.countDown();
            query.join(10_000);
            for (Thread t : callers) {
                t.join(10_000);
            }
            assertEquals(List.of("batch-1", "query", "batch-2", "batch-3"), held.order);
            assertEquals(5f, answer[0][0], "the query's own vector");
        } finally {
            model.close();
        }
    }

    private static void awaitQueued(DedicatedThreadEmbeddingModel model, int queued) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (model.queued() < queued && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(queued, model.queued(), "jobs waiting");
    }
}
