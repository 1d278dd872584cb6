package com.strongroom.search;

import com.strongroom.embedding.EmbeddingModel;
import java.io.IOException;
import java.util.List;

/**
 * Queries a dataset: embeds the query text with the appliance's model when the mode needs a
 * vector and the client sent none, and refuses to mix models (a dataset built with another
 * model can only be queried with the client's own vectors of its dimension).
 */
public final class DatasetSearch {
    private final DatasetIndexes indexes;
    private final EmbeddingModel model;

    public DatasetSearch(DatasetIndexes indexes, EmbeddingModel model) {
        this.indexes = indexes;
        this.model = model;
    }

    /** Dataset id to reason, for datasets whose index cannot be read (health reports them). */
    public java.util.Map<String, String> unreadableDatasets() {
        return indexes.unreadable();
    }

    /** The spec of datasets whose vectors the appliance computes itself. */
    public EmbeddingSpec defaultSpec() {
        return new EmbeddingSpec(model.id(), model.dimensions());
    }

    /** Chunks of the dataset visible to searches now. */
    public int chunkCount(String datasetId) throws IOException {
        return indexes.get(datasetId).chunkCount();
    }

    public SearchResult search(String datasetId, SearchRequest request) throws IOException {
        long start = System.nanoTime();
        DatasetIndex index = indexes.get(datasetId);
        float[] vector = null;
        if (request.mode().usesVectors()) {
            vector = request.vector() != null ? request.vector() : embedQuery(index.spec(), request.query());
        }
        List<SearchHit> hits = index.search(request, vector);
        return new SearchResult(hits, request.mode(), (System.nanoTime() - start) / 1e6);
    }

    private float[] embedQuery(EmbeddingSpec spec, String query) {
        if (!spec.model().equals(model.id()) || spec.dimensions() != model.dimensions()) {
            throw new InvalidSearchException(
                    "embedding_mismatch",
                    "vector",
                    "this dataset holds " + spec.dimensions() + "-dimensional vectors from model '" + spec.model()
                            + "', but the appliance embeds with '" + model.id() + "' (" + model.dimensions()
                            + " dimensions); send your own query vector, or use keyword mode");
        }
        return model.embed(query);
    }
}
