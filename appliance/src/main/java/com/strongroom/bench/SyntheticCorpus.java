package com.strongroom.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * Deterministic synthetic data. Vectors: a gaussian mixture of about sqrt(N) unit centres; each
 * point is its centre plus noise that lies mostly in a low-dimensional random subspace (as real
 * embeddings do) with a little isotropic noise, then unit-normalised. Queries are fresh draws
 * from the same mixture, never copies of indexed vectors. Text: 30..120 words drawn from a Zipf
 * vocabulary of 50,000 pseudo-words; keyword queries are 1..3 mid-frequency words.
 */
final class SyntheticCorpus {
    static final int VOCABULARY = 50_000;
    static final double ZIPF_EXPONENT = 1.1;
    /** Ranks a keyword query draws from: neither stop-word-like nor too rare to match. */
    static final int MID_FREQUENCY_FROM = 100;

    static final int MID_FREQUENCY_TO = 5_000;

    private static final double SUBSPACE_NOISE = 0.6;
    private static final double ISOTROPIC_NOISE = 0.08;
    private static final int SUBSPACE_DIMS = 24;
    private static final String CONSONANTS = "bcdfghjklmnprstvwz";
    private static final String VOWELS = "aeiou";

    private final Random random;
    private final int dims;
    private final float[][] centres;
    private final float[][] basis;
    private final String[] words;
    private final double[] cumulative;

    private SyntheticCorpus(int n, int dims, long seed) {
        this.random = new Random(seed);
        this.dims = dims;
        int clusters = Math.max(1, (int) Math.round(Math.sqrt(n)));
        this.centres = new float[clusters][];
        for (int c = 0; c < clusters; c++) {
            centres[c] = normalise(gaussian(dims, 1));
        }
        int r = Math.min(dims, SUBSPACE_DIMS);
        this.basis = new float[r][];
        for (int i = 0; i < r; i++) {
            basis[i] = gaussian(dims, 1 / Math.sqrt(dims));
        }
        this.words = new String[VOCABULARY];
        this.cumulative = new double[VOCABULARY];
        double sum = 0;
        for (int rank = 0; rank < VOCABULARY; rank++) {
            words[rank] = word(rank);
            sum += 1 / Math.pow(rank + 1, ZIPF_EXPONENT);
            cumulative[rank] = sum;
        }
        for (int rank = 0; rank < VOCABULARY; rank++) {
            cumulative[rank] /= sum;
        }
    }

    static Corpus generate(int n, int dims, int queries, long seed, IntConsumer percentDone) {
        SyntheticCorpus gen = new SyntheticCorpus(n, dims, seed);
        float[][] vectors = new float[n][];
        List<String> texts = new ArrayList<>(n);
        int lastPercent = -1;
        for (int i = 0; i < n; i++) {
            vectors[i] = gen.point();
            texts.add(gen.text());
            int percent = (int) (100L * (i + 1) / n);
            if (percent != lastPercent && percent % 10 == 0) {
                percentDone.accept(percent);
                lastPercent = percent;
            }
        }
        float[][] queryVectors = new float[queries][];
        List<String> keywordQueries = new ArrayList<>(queries);
        for (int q = 0; q < queries; q++) {
            queryVectors[q] = gen.point();
            keywordQueries.add(gen.keywordQuery());
        }
        return new Corpus(texts, vectors, queryVectors, keywordQueries, 0);
    }

    private float[] point() {
        float[] centre = centres[random.nextInt(centres.length)];
        float[] v = Arrays.copyOf(centre, dims);
        for (float[] direction : basis) {
            double weight = SUBSPACE_NOISE * random.nextGaussian();
            for (int d = 0; d < dims; d++) {
                v[d] += (float) (weight * direction[d]);
            }
        }
        double isotropic = ISOTROPIC_NOISE / Math.sqrt(dims);
        for (int d = 0; d < dims; d++) {
            v[d] += (float) (isotropic * random.nextGaussian());
        }
        return normalise(v);
    }

    private String text() {
        int length = 30 + random.nextInt(91);
        StringBuilder text = new StringBuilder(length * 8);
        for (int i = 0; i < length; i++) {
            if (i > 0) {
                text.append(' ');
            }
            text.append(words[zipfRank()]);
        }
        return text.toString();
    }

    private String keywordQuery() {
        int count = 1 + random.nextInt(3);
        StringBuilder query = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                query.append(' ');
            }
            query.append(words[MID_FREQUENCY_FROM + random.nextInt(MID_FREQUENCY_TO - MID_FREQUENCY_FROM)]);
        }
        return query.toString();
    }

    private int zipfRank() {
        int i = Arrays.binarySearch(cumulative, random.nextDouble());
        return Math.min(VOCABULARY - 1, i >= 0 ? i : -i - 1);
    }

    private float[] gaussian(int length, double scale) {
        float[] v = new float[length];
        for (int d = 0; d < length; d++) {
            v[d] = (float) (scale * random.nextGaussian());
        }
        return v;
    }

    /** A distinct pronounceable word per rank: consonant-vowel syllables, at least two. */
    static String word(int rank) {
        int syllables = CONSONANTS.length() * VOWELS.length();
        StringBuilder word = new StringBuilder();
        int value = rank + syllables; // at least two syllables, so never an English stop word
        while (value > 0) {
            int s = value % syllables;
            word.append(CONSONANTS.charAt(s / VOWELS.length())).append(VOWELS.charAt(s % VOWELS.length()));
            value /= syllables;
        }
        return word.toString();
    }

    static float[] normalise(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        float inverse = (float) (1 / Math.sqrt(norm));
        for (int d = 0; d < v.length; d++) {
            v[d] *= inverse;
        }
        return v;
    }
}
