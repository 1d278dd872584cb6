package com.strongroom.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real OpenAI-compatible embeddings endpoint on loopback for the appliance's {@code
 * openai-compatible} provider: answers deterministic vectors, or 503 (an outage), or vectors of
 * the wrong size (a misconfigured provider), can hold every request until released (to line
 * up a queue before the worker moves), and can answer each request after a delay.
 */
public final class LabEmbeddingServer implements AutoCloseable {
    public static final String MODEL = "lab-embed";
    public static final int DIMENSIONS = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Mode {
        OK,
        UNAVAILABLE,
        WRONG_DIMENSIONS
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile Mode mode = Mode.OK;
    private volatile Duration latency = Duration.ZERO;
    private boolean held;

    public LabEmbeddingServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext("/v1/embeddings", this::answer);
        server.start();
    }

    /** The appliance configuration that points its embedding provider here. */
    public String yaml() {
        return "embedding:\n  provider: openai-compatible\n  base-url: http://127.0.0.1:"
                + server.getAddress().getPort() + "/v1\n  model: " + MODEL + "\n  dimensions: " + DIMENSIONS
                + "\n  timeout: 60s\n";
    }

    public void mode(Mode mode) {
        this.mode = mode;
    }

    /** How long each request takes before it is answered (a provider under load); zero by default. */
    public void latency(Duration latency) {
        this.latency = latency;
    }

    /** Requests received so far (answered or not). */
    public int requests() {
        return requests.get();
    }

    public synchronized void hold() {
        held = true;
    }

    public synchronized void release() {
        held = false;
        notifyAll();
    }

    private synchronized void waitWhileHeld() throws InterruptedException {
        while (held) {
            wait();
        }
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            JsonNode input = JSON.readTree(exchange.getRequestBody()).path("input");
            try {
                waitWhileHeld();
                Thread.sleep(latency);
            } catch (InterruptedException e) {
                return;
            }
            Mode now = mode;
            if (now == Mode.UNAVAILABLE) {
                byte[] body = "{\"error\":\"overloaded\"}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(503, body.length);
                exchange.getResponseBody().write(body);
                return;
            }
            int dims = now == Mode.WRONG_DIMENSIONS ? DIMENSIONS - 1 : DIMENSIONS;
            ObjectNode answer = JSON.createObjectNode();
            ArrayNode data = answer.putArray("data");
            for (int i = 0; i < input.size(); i++) {
                ArrayNode v = data.addObject().put("index", i).putArray("embedding");
                int h = input.get(i).asText().hashCode();
                for (int d = 0; d < dims; d++) {
                    v.add(((h >>> d) & 0xff) / 255.0 + 0.01);
                }
            }
            byte[] body = answer.toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        threads.shutdownNow();
    }
}
