package com.strongroom.search;

import java.util.Objects;

/** The model and dimension a dataset's vectors come from; fixed when the dataset is created. */
public record EmbeddingSpec(String model, int dimensions) {

    public static final int MAX_DIMENSIONS = 4096;

    public EmbeddingSpec {
        Objects.requireNonNull(model, "model");
        if (model.isBlank() || model.length() > 200) {
            throw new IllegalArgumentException("embedding model name must be 1..200 characters");
        }
        if (dimensions < 1 || dimensions > MAX_DIMENSIONS) {
            throw new IllegalArgumentException(
                    "embedding dimensions must be 1.." + MAX_DIMENSIONS + ", got " + dimensions);
        }
    }

    /** Rejects a vector that did not come from this spec's model. */
    void check(float[] vector, String field) {
        if (vector.length != dimensions) {
            throw new InvalidSearchException(
                    "embedding_mismatch",
                    field,
                    "vector has " + vector.length + " dimensions; this dataset holds " + dimensions
                            + "-dimensional vectors from model '" + model + "'");
        }
        double norm = 0;
        for (float f : vector) {
            if (!Float.isFinite(f)) {
                throw new InvalidSearchException("invalid_vector", field, "vector contains NaN or infinity");
            }
            norm += (double) f * f;
        }
        if (norm == 0) {
            throw new InvalidSearchException(
                    "invalid_vector", field, "vector is all zeros; cosine similarity needs a direction");
        }
    }
}
