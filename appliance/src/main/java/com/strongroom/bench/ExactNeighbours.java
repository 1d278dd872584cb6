package com.strongroom.bench;

import java.util.Arrays;
import java.util.PriorityQueue;
import org.apache.lucene.util.VectorUtil;

/**
 * The true top-k by cosine, by scanning every vector: the ground truth recall is measured against.
 * The vectors are unit length, so the dot product is the cosine.
 */
final class ExactNeighbours {
    private ExactNeighbours() {}

    /** Indices of the {@code k} vectors closest to each query, best first. */
    static int[][] of(float[][] vectors, float[][] queries, int k) {
        int[][] result = new int[queries.length][];
        for (int q = 0; q < queries.length; q++) {
            result[q] = topK(vectors, queries[q], k);
        }
        return result;
    }

    private static int[] topK(float[][] vectors, float[] query, int k) {
        // min-heap of (score, index): the weakest of the best k so far sits on top
        PriorityQueue<double[]> best = new PriorityQueue<>(k + 1, (a, b) -> Double.compare(a[0], b[0]));
        for (int i = 0; i < vectors.length; i++) {
            double score = VectorUtil.dotProduct(vectors[i], query);
            if (best.size() < k) {
                best.add(new double[] {score, i});
            } else if (score > best.peek()[0]) {
                best.poll();
                best.add(new double[] {score, i});
            }
        }
        int[] ids = new int[best.size()];
        for (int i = ids.length - 1; i >= 0; i--) {
            ids[i] = (int) best.poll()[1];
        }
        return ids;
    }

    /** Share of {@code exact} found in {@code found}, averaged over queries. */
    static double recall(int[][] exact, int[][] found) {
        double sum = 0;
        for (int q = 0; q < exact.length; q++) {
            int[] truth = exact[q].clone();
            Arrays.sort(truth);
            int hits = 0;
            for (int id : found[q]) {
                if (Arrays.binarySearch(truth, id) >= 0) {
                    hits++;
                }
            }
            sum += (double) hits / Math.max(1, exact[q].length);
        }
        return sum / exact.length;
    }
}
