package com.strongroom.embedding;

import java.util.List;

/**
 * Turns text into vectors. The built-in model runs in-process; others (for example an
 * OpenAI-compatible endpoint inside the customer's network) sit behind the same interface.
 * A dataset records {@link #id()} and {@link #dimensions()} when it is created so that vectors
 * from different models are never mixed in one index.
 */
public interface EmbeddingModel extends AutoCloseable {

    /** Stable name recorded with a dataset, e.g. {@code all-minilm-l6-v2-q}. */
    String id();

    int dimensions();

    /**
     * Embeds a batch; the result has one vector of {@link #dimensions()} floats per input, in
     * order. Implementations batch internally and are safe to call from several threads.
     *
     * @throws EmbeddingException when the model cannot produce the vectors (never a partial list)
     */
    List<float[]> embed(List<String> texts);

    default float[] embed(String text) {
        return embed(List.of(text)).getFirst();
    }

    @Override
    default void close() {}
}
