package com.strongroom.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a real local HTTP server speaking the OpenAI embeddings protocol. The server
 * is a stand-in for the customer's endpoint, whose behaviour each test chooses.
 */
class HttpEmbeddingModelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-test-" + "s3cr3t-value-123";

    @TempDir
    Path dir;

    private HttpServer server;
    private final AtomicReference<String> mode = new AtomicReference<>("ok");
    private final AtomicReference<String> seenAuthorization = new AtomicReference<>();
    private final AtomicInteger calls = new AtomicInteger();
    private Path keyFile;

    @BeforeEach
    void start() throws Exception {
        keyFile = Files.writeString(dir.resolve("key"), KEY + "\n");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/embeddings", exchange -> {
            calls.incrementAndGet();
            seenAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            int status = 200;
            ObjectNode answer = JSON.createObjectNode();
            ArrayNode data = answer.putArray("data");
            int n = request.get("input").size();
            switch (mode.get()) {
                case "unauthorised" -> status = 401;
                case "broken" -> status = 500;
                case "slow" -> {
                    try {
                        Thread.sleep(2000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                default -> {}
            }
            int dims = mode.get().equals("wrong-dims") ? 3 : 4;
            int count = mode.get().equals("wrong-count") ? n - 1 : n;
            for (int i = count - 1; i >= 0; i--) { // out of order on purpose: "index" decides
                ObjectNode item = data.addObject().put("index", i);
                ArrayNode v = item.putArray("embedding");
                String text = request.get("input").get(i).asText();
                for (int d = 0; d < dims; d++) {
                    v.add(text.length() + d);
                }
            }
            byte[] bytes = answer.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private HttpEmbeddingModel model() {
        return new HttpEmbeddingModel(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1"),
                "e5-large",
                4,
                keyFile,
                Duration.ofMillis(500),
                2);
    }

    @Test
    void embedsInBatches_inInputOrder_withTheKeyInTheHeader() {
        List<float[]> vectors = model().embed(List.of("a", "bb", "ccc"));
        assertEquals(2, calls.get(), "batches of two");
        assertArrayEquals(new float[] {1, 2, 3, 4}, vectors.get(0));
        assertArrayEquals(new float[] {3, 4, 5, 6}, vectors.get(2));
        assertEquals("Bearer " + KEY, seenAuthorization.get());
        assertEquals("e5-large", model().id());
    }

    @Test
    void everyFailure_isAClearEmbeddingException_withoutTheKey() {
        for (String failure : List.of("unauthorised", "broken", "wrong-dims", "wrong-count", "slow")) {
            mode.set(failure);
            EmbeddingException e =
                    assertThrows(EmbeddingException.class, () -> model().embed(List.of("x", "y")), failure);
            assertFalse(e.getMessage().contains(KEY) || e.getMessage().contains("s3cr3t"), e.getMessage());
            String expected =
                    switch (failure) {
                        case "unauthorised" -> "HTTP 401 (check the API key file)";
                        case "broken" -> "HTTP 500";
                        case "slow" -> "did not answer within";
                        case "wrong-dims" -> "3 dimensions";
                        default -> "returned 1 vectors for 2 texts";
                    };
            assertTrue(e.getMessage().contains(expected), failure + ": " + e.getMessage());
        }
    }

    @Test
    void aMissingKeyFile_isNamed() {
        EmbeddingException e = assertThrows(
                EmbeddingException.class,
                () -> new HttpEmbeddingModel(
                        URI.create("http://127.0.0.1:1/v1"), "m", 4, dir.resolve("absent"), Duration.ofSeconds(1), 8));
        assertTrue(e.getMessage().contains("absent"));
    }
}
