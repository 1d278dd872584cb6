package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import com.strongroom.webhooks.WebhookSignature;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks against a running appliance and a real receiver on loopback: signed deliveries of
 * dataset and document events, retries, the delivery log, and auto-disable after failures.
 */
class WebhooksEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private record Received(String event, String signature, byte[] body) {}

    @Test
    void signedDeliveries_retries_andAutoDisable() throws Exception {
        LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
        AtomicInteger answer = new AtomicInteger(200);
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status = answer.get(); // decided before the test can see this delivery and change it
            received.add(new Received(
                    exchange.getRequestHeaders().getFirst("Strongroom-Event"),
                    exchange.getRequestHeaders().getFirst("Strongroom-Signature"),
                    body));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        String yaml =
                "webhooks:\n  allow-loopback-http: true\n  allow-targets: [\"127.0.0.1/32\"]\n  retry-base-delay: 200ms\n  max-attempts: 2\n"
                        + "  disable-after: 2\n";
        try (LabAppliance lab = LabAppliance.start(dir, yaml)) {
            Https https = lab.https();
            String key = lab.ownerKey();
            String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";

            HttpResponse<String> bad = https.post(
                    "/v1/webhooks",
                    key,
                    "{\"url\":\"http://hooks.example.com/x\",\"events\":[\"dataset.created\",\"bogus\"]}");
            assertEquals(422, bad.statusCode(), bad.body());
            assertTrue(bad.body().contains("must use https") && bad.body().contains("bogus"), bad.body());

            HttpResponse<String> created = https.post(
                    "/v1/webhooks",
                    key,
                    "{\"url\":\"" + url + "\",\"events\":[\"dataset.created\",\"document.processed\"]}");
            assertEquals(201, created.statusCode(), created.body());
            JsonNode hook = JSON.readTree(created.body());
            String secret = hook.get("secret").asText();
            String hookId = hook.get("id").asText();
            assertTrue(hookId.startsWith("wh_") && secret.startsWith("whsec_"));
            HttpResponse<String> listed = https.get("/v1/webhooks", key);
            assertFalse(listed.body().contains(secret), "the secret is shown once only");
            assertFalse(https.get("/v1/webhooks/" + hookId, key).body().contains(secret));

            String ds = JSON.readTree(https.post("/v1/datasets", key, "{\"name\":\"Hooked\"}")
                            .body())
                    .get("id")
                    .asText();
            Received first = received.poll(10, TimeUnit.SECONDS);
            assertTrue(first != null, "dataset.created delivered");
            assertEquals("dataset.created", first.event());
            long now = System.currentTimeMillis() / 1000;
            byte[] secretBytes = secret.getBytes(StandardCharsets.UTF_8);
            assertTrue(
                    WebhookSignature.verify(secretBytes, first.signature(), first.body(), now, 300),
                    "signature verifies");
            byte[] tampered = new String(first.body(), StandardCharsets.UTF_8)
                    .replace(ds, "ds_other")
                    .getBytes(StandardCharsets.UTF_8);
            assertFalse(
                    WebhookSignature.verify(secretBytes, first.signature(), tampered, now, 300),
                    "a changed body fails");
            assertFalse(
                    WebhookSignature.verify(secretBytes, first.signature(), first.body(), now + 3600, 300),
                    "an old delivery replayed later fails");
            JsonNode payload = JSON.readTree(first.body());
            assertEquals("dataset.created", payload.get("event").asText());
            assertEquals(ds, payload.get("data").get("dataset_id").asText());
            assertTrue(payload.get("timestamp").asText().startsWith("20"));

            https.post("/v1/datasets/" + ds + "/documents", key, "{\"content\":\"Webhooks tell receivers about it.\"}");
            Received processed = received.poll(60, TimeUnit.SECONDS);
            assertTrue(processed != null, "document.processed delivered");
            assertEquals("document.processed", processed.event());
            assertEquals(
                    1,
                    JSON.readTree(processed.body())
                            .get("data")
                            .get("chunks_created")
                            .asInt());

            answer.set(500);
            for (String name : List.of("Fails once", "Fails twice")) {
                https.post("/v1/datasets", key, "{\"name\":\"" + name + "\"}");
                for (int attempt = 0; attempt < 2; attempt++) {
                    if (received.poll(15, TimeUnit.SECONDS) == null) {
                        throw new AssertionError(name + ": attempt " + (attempt + 1) + " not received; webhook: "
                                + https.get("/v1/webhooks/" + hookId, key).body() + "\nlog tail: "
                                + lab.log().substring(Math.max(0, lab.log().length() - 3000)));
                    }
                }
            }
            JsonNode state = awaitDisabled(https, key, hookId);
            assertTrue(state.get("disabled_reason").asText().contains("HTTP 500"), state.toString());
            JsonNode lastDelivery = state.get("deliveries").get(0);
            assertEquals("failed", lastDelivery.get("status").asText());
            assertEquals(2, lastDelivery.get("attempts").asInt());
            assertEquals(500, lastDelivery.get("last_status_code").asInt());

            answer.set(200);
            https.post("/v1/datasets", key, "{\"name\":\"After disable\"}");
            assertEquals(null, received.poll(2, TimeUnit.SECONDS), "a disabled webhook receives nothing");

            assertEquals(200, https.delete("/v1/webhooks/" + hookId, key).statusCode());
            assertEquals(404, https.get("/v1/webhooks/" + hookId, key).statusCode());
        } finally {
            receiver.stop(0);
        }
    }

    private static JsonNode awaitDisabled(Https https, String key, String hookId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode state;
        do {
            state = JSON.readTree(https.get("/v1/webhooks/" + hookId, key).body());
            if (!state.get("enabled").asBoolean()) {
                return state;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("webhook not disabled: " + state);
    }
}
