package com.strongroom.embedding;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs an in-process model on one platform thread, first come first served. Requests are served
 * by virtual threads, and a virtual thread inside a native call (ONNX Runtime) pins its carrier:
 * with one carrier per core, two concurrent embeddings stalled every other request, and under 16
 * concurrent queries p99 reached 7 s while p50 was 80 ms. Waiting on a future instead parks the
 * virtual thread and leaves the carriers free. One thread is enough: the model already uses every
 * core for one batch, and texts are never batched across requests, so a query's vector does not
 * depend on what else was asked at the same time (the int8 model's activations are quantised per
 * batch).
 *
 * <p>Queries ({@link #embedQuery}) go before queued batches: a query's wait is then at most the
 * batch being computed, not the ingestion backlog (the soak test's query p99 was 3.2 s behind
 * ingestion). Within a priority, first come first served.
 */
public final class DedicatedThreadEmbeddingModel implements EmbeddingModel {
    private static final int QUERY = 0;
    private static final int BATCH = 1;

    private final EmbeddingModel model;
    private final ThreadPoolExecutor thread;
    private final AtomicLong arrivals = new AtomicLong();

    public DedicatedThreadEmbeddingModel(EmbeddingModel model) {
        this.model = model;
        this.thread =
                new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new PriorityBlockingQueue<>(), runnable -> {
                    Thread t = new Thread(runnable, "strongroom-embedding");
                    t.setDaemon(true);
                    return t;
                });
    }

    /** A queued embedding: queries first, then by arrival. */
    private static final class Job<T> extends FutureTask<T> implements Comparable<Job<?>> {
        private final int priority;
        private final long arrival;

        Job(Callable<T> work, int priority, long arrival) {
            super(work);
            this.priority = priority;
            this.arrival = arrival;
        }

        @Override
        public int compareTo(Job<?> other) {
            return priority != other.priority
                    ? Integer.compare(priority, other.priority)
                    : Long.compare(arrival, other.arrival);
        }
    }

    @Override
    public String id() {
        return model.id();
    }

    @Override
    public int dimensions() {
        return model.dimensions();
    }

    @Override
    public List<float[]> embed(List<String> texts) {
        return texts.isEmpty() ? List.of() : run(texts, BATCH);
    }

    @Override
    public float[] embedQuery(String text) {
        return run(List.of(text), QUERY).getFirst();
    }

    private List<float[]> run(List<String> texts, int priority) {
        Job<List<float[]>> result = new Job<>(() -> model.embed(texts), priority, arrivals.getAndIncrement());
        try {
            thread.execute(result);
        } catch (RejectedExecutionException e) {
            throw new EmbeddingException("the embedding model is shut down", e);
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            result.cancel(false);
            Thread.currentThread().interrupt();
            throw new EmbeddingException("interrupted while waiting for the embedding model", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new EmbeddingException("the embedding model failed: " + e.getCause(), e.getCause());
        }
    }

    /** Embeddings waiting for the thread (not the one it computes). */
    int queued() {
        return thread.getQueue().size();
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
        model.close();
    }
}
