package com.strongroom.embedding;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An OpenAI-compatible embeddings endpoint inside the customer's network ({@code POST
 * {base}/embeddings} with {@code {"model", "input": [...]}}, answer {@code data[].embedding}).
 * The API key comes from a file and is sent only in the Authorization header; error messages name
 * the status and the check that failed, never the key or the texts.
 */
public final class HttpEmbeddingModel implements EmbeddingModel {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI endpoint;
    private final String model;
    private final int dimensions;
    private final String authorization;
    private final Duration timeout;
    private final int batchSize;
    private final HttpClient client;

    public HttpEmbeddingModel(
            URI baseUrl, String model, int dimensions, Path apiKeyFile, Duration timeout, int batchSize) {
        String base = baseUrl.toString();
        this.endpoint = URI.create(base.endsWith("/") ? base + "embeddings" : base + "/embeddings");
        this.model = model;
        this.dimensions = dimensions;
        this.timeout = timeout;
        this.batchSize = batchSize;
        this.authorization = apiKeyFile == null ? null : "Bearer " + readKey(apiKeyFile);
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    private static String readKey(Path file) {
        try {
            String key = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (key.isEmpty()) {
                throw new EmbeddingException("the embedding API key file " + file + " is empty");
            }
            return key;
        } catch (IOException e) {
            throw new EmbeddingException("the embedding API key file " + file + " is unreadable");
        }
    }

    @Override
    public String id() {
        return model;
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public List<float[]> embed(List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += batchSize) {
            out.addAll(call(texts.subList(from, Math.min(texts.size(), from + batchSize))));
        }
        return out;
    }

    private List<float[]> call(List<String> batch) {
        ObjectNode body = JSON.createObjectNode().put("model", model);
        ArrayNode input = body.putArray("input");
        batch.forEach(input::add);
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new EmbeddingException(
                    "the embedding endpoint " + endpoint + " did not answer within " + timeout, true);
        } catch (IOException e) {
            throw new EmbeddingException(
                    "the embedding endpoint " + endpoint + " is unreachable: "
                            + e.getClass().getSimpleName(),
                    true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddingException("interrupted while waiting for the embedding endpoint", true);
        }
        if (response.statusCode() != 200) {
            int status = response.statusCode();
            // overloaded (429) or failing (5xx) providers recover by themselves; a 4xx is a setting to fix
            throw new EmbeddingException(
                    "the embedding endpoint " + endpoint + " answered HTTP " + status
                            + (status == 401 || status == 403 ? " (check the API key file)" : ""),
                    status == 429 || status >= 500);
        }
        return parse(response.body(), batch.size());
    }

    private List<float[]> parse(String body, int expected) {
        JsonNode data;
        try {
            data = JSON.readTree(body).path("data");
        } catch (IOException e) {
            throw new EmbeddingException("the embedding endpoint answered something that is not JSON");
        }
        if (!data.isArray() || data.size() != expected) {
            throw new EmbeddingException("the embedding endpoint returned " + (data.isArray() ? data.size() : 0)
                    + " vectors for " + expected + " texts");
        }
        float[][] vectors = new float[expected][];
        for (int i = 0; i < expected; i++) {
            JsonNode item = data.get(i);
            int index = item.path("index").asInt(i);
            JsonNode embedding = item.path("embedding");
            if (index < 0 || index >= expected || vectors[index] != null) {
                throw new EmbeddingException("the embedding endpoint returned an invalid or repeated index " + index);
            }
            if (!embedding.isArray() || embedding.size() != dimensions) {
                throw new EmbeddingException("the embedding endpoint returned a vector of " + embedding.size()
                        + " dimensions; " + model + " is configured with " + dimensions);
            }
            float[] v = new float[dimensions];
            for (int d = 0; d < dimensions; d++) {
                v[d] = (float) embedding.get(d).asDouble();
            }
            vectors[index] = v;
        }
        return List.of(vectors);
    }
}
