package com.strongroom.bench;

import java.util.List;

/**
 * What both indexes get and what is asked of them: one text and one unit vector per chunk, query
 * vectors and keyword queries.
 *
 * @param embedChunksPerSecond embedding throughput when the vectors came from the model, else 0
 */
record Corpus(
        List<String> texts,
        float[][] vectors,
        float[][] queryVectors,
        List<String> keywordQueries,
        double embedChunksPerSecond) {
    int dims() {
        return vectors.length == 0 ? queryVectors[0].length : vectors[0].length;
    }
}
