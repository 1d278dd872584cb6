package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import com.strongroom.testing.RawReceiver;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks cannot be turned against the appliance or its network, and one receiver cannot hurt
 * other deliveries: internal addresses are refused on the address actually resolved, a delivery
 * has a hard total deadline, one organization's stalled receiver does not delay another's, and a
 * deleted webhook's pending deliveries are dropped without wedging anyone else's.
 */
class WebhookSafetyEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void internalAddresses_areRefused_asLiteralsAtCreation_andAsResolvedNamesAtDelivery() throws Exception {
        try (RawReceiver receiver = RawReceiver.answering(200);
                LabAppliance lab = LabAppliance.start(dir, "webhooks:\n  max-attempts: 1\n")) {
            Https https = lab.https();
            String key = lab.ownerKey();
            for (String url : List.of(
                    "https://127.0.0.1:" + receiver.port() + "/hook",
                    "https://[::ffff:127.0.0.1]:" + receiver.port() + "/hook",
                    "https://[::1]/hook",
                    "https://169.254.169.254/latest/meta-data/",
                    "https://10.1.2.3/hook",
                    "https://172.16.0.1/hook",
                    "https://192.168.1.1/hook",
                    "https://[fd00::1]/hook",
                    "https://[fe80::1]/hook",
                    "https://0.0.0.0/hook")) {
                HttpResponse<String> r = https.post("/v1/webhooks", key, hook(url));
                assertEquals(422, r.statusCode(), url + ": " + r.body());
                JsonNode error = JSON.readTree(r.body());
                assertEquals("validation_error", error.get("error").asText(), r.body());
                assertTrue(r.body().contains("webhooks.allow-targets"), r.body());
            }
            JsonNode stored = JSON.readTree(https.get("/v1/webhooks", key).body());
            assertEquals(0, stored.get("total").asInt(), "nothing was stored: " + stored);

            // A name is judged on what it resolves to when the delivery is made.
            HttpResponse<String> created =
                    https.post("/v1/webhooks", key, hook("https://localhost:" + receiver.port() + "/hook"));
            assertEquals(201, created.statusCode(), created.body());
            String hookId = JSON.readTree(created.body()).get("id").asText();
            https.post("/v1/datasets", key, "{\"name\":\"Refused\"}");
            JsonNode delivery = awaitDelivery(https, key, hookId, "failed", Duration.ofSeconds(20));
            String lastError = delivery.get("last_error").asText();
            assertTrue(
                    lastError.contains("destination refused")
                            && lastError.contains("loopback")
                            && lastError.contains("localhost resolves to"),
                    lastError);
            assertTrue(delivery.get("last_status_code").isNull());
            assertEquals(0, receiver.connections(), "no connection was made to the loopback receiver");
        }
    }

    @Test
    void allowTargets_letAListedInternalReceiverThrough_andOnlyOnItsPort() throws Exception {
        try (RawReceiver listed = RawReceiver.answering(200);
                RawReceiver unlisted = RawReceiver.answering(200);
                LabAppliance lab = LabAppliance.start(
                        dir,
                        "webhooks:\n  allow-loopback-http: true\n  max-attempts: 1\n  allow-targets: [\"127.0.0.1:"
                                + listed.port() + "\"]\n")) {
            Https https = lab.https();
            String key = lab.ownerKey();
            String toListed = create(https, key, "http://localhost:" + listed.port() + "/hook");
            String toMapped = create(https, key, "http://[::ffff:127.0.0.1]:" + listed.port() + "/hook");
            String toUnlisted = create(https, key, "http://localhost:" + unlisted.port() + "/hook");
            https.post("/v1/datasets", key, "{\"name\":\"Allowed\"}");
            String first = listed.nextRequest(20);
            String second = listed.nextRequest(20);
            assertNotNull(second, "the listed receiver got both deliveries (by name and by IPv4-mapped literal)");
            String both = first + second;
            assertTrue(both.contains("Host: localhost:" + listed.port() + "\r\n"), "original Host is sent: " + both);
            assertTrue(both.contains("Host: [::ffff:127.0.0.1]:" + listed.port() + "\r\n"), both);
            awaitDelivery(https, key, toListed, "delivered", Duration.ofSeconds(20));
            awaitDelivery(https, key, toMapped, "delivered", Duration.ofSeconds(20));
            JsonNode refused = awaitDelivery(https, key, toUnlisted, "failed", Duration.ofSeconds(20));
            assertTrue(refused.get("last_error").asText().contains("destination refused"), refused.toString());
            assertEquals(0, unlisted.connections());
        }
    }

    @Test
    void aReceiverDrippingItsBody_isCutAtTheDeliveryTimeout_andTheNextDeliveryGoesOut() throws Exception {
        try (RawReceiver dripping = RawReceiver.drippingBody();
                RawReceiver prompt = RawReceiver.answering(200);
                LabAppliance lab = LabAppliance.start(
                        dir, internal("  delivery-timeout: 2s\n  workers: 1\n  max-attempts: 1\n"))) {
            Https https = lab.https();
            String key = lab.ownerKey();
            String slowHook = create(https, key, "http://127.0.0.1:" + dripping.port() + "/hook");
            https.post("/v1/datasets", key, "{\"name\":\"Dripped\"}");
            assertNotNull(dripping.nextRequest(20), "the dripping receiver got the delivery");
            long started = System.nanoTime();
            JsonNode cut = awaitDelivery(https, key, slowHook, "failed", Duration.ofSeconds(30));
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(cut.get("last_error").asText().contains("no complete answer within 2 s"), cut.toString());
            assertTrue(tookMillis < 15_000, "cut after " + tookMillis + " ms, not at the 2 s limit");

            // One worker only: it must be free again, not stuck reading the endless body.
            String promptHook = create(https, key, "http://127.0.0.1:" + prompt.port() + "/hook");
            https.delete("/v1/webhooks/" + slowHook, key);
            https.post("/v1/datasets", key, "{\"name\":\"After the drip\"}");
            assertNotNull(prompt.nextRequest(20), "the next delivery went out");
            awaitDelivery(https, key, promptHook, "delivered", Duration.ofSeconds(20));
        }
    }

    @Test
    void oneOrganizationsStalledReceiver_doesNotDelayAnothersDelivery() throws Exception {
        try (RawReceiver stalled = RawReceiver.stalling();
                RawReceiver prompt = RawReceiver.answering(200);
                LabAppliance lab =
                        LabAppliance.start(dir, internal("  delivery-timeout: 60s\n  retry-base-delay: 1h\n"))) {
            String otherKey = lab.addOrganization("Other");
            Https https = lab.https();
            String key = lab.ownerKey();
            create(https, key, "http://127.0.0.1:" + stalled.port() + "/hook");
            String promptHook = create(https, otherKey, "http://127.0.0.1:" + prompt.port() + "/hook");
            for (int i = 0; i < 3; i++) {
                https.post("/v1/datasets", key, "{\"name\":\"Stalled " + i + "\"}");
            }
            assertNotNull(stalled.nextRequest(20), "the stalled receiver holds a delivery");

            long published = System.nanoTime();
            https.post("/v1/datasets", otherKey, "{\"name\":\"Prompt\"}");
            String request = prompt.nextRequest(30);
            long waitedMillis = (System.nanoTime() - published) / 1_000_000;
            assertNotNull(request, "the other organization's delivery arrived");
            assertTrue(request.contains("dataset.created"), request);
            assertTrue(
                    waitedMillis < 4_000,
                    "the other organization waited " + waitedMillis + " ms behind a stalled receiver");
            awaitDelivery(https, otherKey, promptHook, "delivered", Duration.ofSeconds(10));
            assertEquals(1, stalled.connections(), "one organization has one delivery in flight at a time");
        }
    }

    @Test
    void deletingAWebhook_dropsItsRetryingDeliveries_andOthersStillGoOut() throws Exception {
        try (RawReceiver failing = RawReceiver.answering(500);
                RawReceiver later = RawReceiver.answering(200);
                LabAppliance lab = LabAppliance.start(dir, internal("  retry-base-delay: 1s\n  max-attempts: 5\n"))) {
            Https https = lab.https();
            String key = lab.ownerKey();
            String doomed = create(https, key, "http://127.0.0.1:" + failing.port() + "/hook");
            https.post("/v1/datasets", key, "{\"name\":\"Retried\"}");
            assertNotNull(failing.nextRequest(20), "first attempt made");
            assertEquals(200, https.delete("/v1/webhooks/" + doomed, key).statusCode());

            String survivor = create(https, key, "http://127.0.0.1:" + later.port() + "/hook");
            Thread.sleep(1_500); // past the retry time the deleted webhook's delivery had
            https.post("/v1/datasets", key, "{\"name\":\"After delete\"}");
            assertNotNull(later.nextRequest(20), "another webhook's delivery is not held up");
            awaitDelivery(https, key, survivor, "delivered", Duration.ofSeconds(10));
            assertNull(failing.nextRequest(4), "the deleted webhook's retry was dropped, not sent");
        }
    }

    @Test
    void aDeliveryThatFailsInsideTheAppliance_affectsOnlyItself() throws Exception {
        try (RawReceiver damagedReceiver = RawReceiver.answering(200);
                RawReceiver healthyReceiver = RawReceiver.answering(200);
                LabAppliance lab = LabAppliance.start(dir, internal("  max-attempts: 1\n"))) {
            String key = lab.ownerKey();
            String damaged = create(lab.https(), key, "http://127.0.0.1:" + damagedReceiver.port() + "/hook");
            // One bit of the stored sealed secret flipped: opening it fails inside the dispatcher.
            lab.offlineMetadata(c -> {
                byte[] sealed;
                try (var ps = c.prepareStatement("SELECT secret_sealed FROM webhook WHERE id = ?")) {
                    ps.setString(1, damaged);
                    try (var rs = ps.executeQuery()) {
                        rs.next();
                        sealed = rs.getBytes(1);
                    }
                }
                sealed[sealed.length - 1] ^= 1;
                try (var ps = c.prepareStatement("UPDATE webhook SET secret_sealed = ? WHERE id = ?")) {
                    ps.setBytes(1, sealed);
                    ps.setString(2, damaged);
                    assertEquals(1, ps.executeUpdate());
                }
            });
            Https https = lab.https();
            https.post("/v1/datasets", key, "{\"name\":\"Damaged\"}");
            JsonNode failed = awaitDelivery(https, key, damaged, "failed", Duration.ofSeconds(20));
            assertTrue(failed.get("last_error").asText().startsWith("internal error ("), failed.toString());
            assertEquals(0, damagedReceiver.connections());

            HttpResponse<String> created =
                    https.post("/v1/webhooks", key, hook("http://127.0.0.1:" + healthyReceiver.port() + "/hook"));
            String healthySecret = JSON.readTree(created.body()).get("secret").asText();
            String healthy = JSON.readTree(created.body()).get("id").asText();
            for (String name : List.of("Healthy one", "Healthy two")) {
                https.post("/v1/datasets", key, "{\"name\":\"" + name + "\"}");
                String request = healthyReceiver.nextRequest(20);
                assertNotNull(request, name + ": the other webhook's delivery went out");
                assertTrue(request.contains(name), request);
            }
            awaitDelivery(https, key, healthy, "delivered", Duration.ofSeconds(10));
            String log = lab.log();
            assertTrue(log.contains("webhook delivery ") && log.contains("failed inside the appliance"), "logged");
            assertTrue(!log.contains(healthySecret) && !log.contains("Healthy one"), "no secret or payload in the log");
        }
    }

    /**
     * A guard for the hand-made client: over HTTPS it connects to the checked address yet still
     * sends the URL's name as SNI and refuses a certificate the JDK's trust store does not vouch for.
     */
    @Test
    void httpsDelivery_sendsTheOriginalNameAsSni_andChecksTheCertificate() throws Exception {
        javax.net.ssl.SSLContext untrusted = com.strongroom.api.TlsMaterial.loadOrCreate(
                        dir.resolve("receiver-tls"), List.of("localhost"))
                .toTls()
                .sslContext();
        java.util.concurrent.LinkedBlockingQueue<String> sniSeen = new java.util.concurrent.LinkedBlockingQueue<>();
        try (javax.net.ssl.SSLServerSocket server = (javax.net.ssl.SSLServerSocket) untrusted
                        .getServerSocketFactory()
                        .createServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress());
                LabAppliance lab = LabAppliance.start(
                        java.nio.file.Files.createDirectories(dir.resolve("lab")),
                        "webhooks:\n  max-attempts: 1\n  allow-targets: [\"127.0.0.0/8\"]\n")) {
            javax.net.ssl.SSLParameters p = server.getSSLParameters();
            p.setSNIMatchers(List.of(new javax.net.ssl.SNIMatcher(javax.net.ssl.StandardConstants.SNI_HOST_NAME) {
                @Override
                public boolean matches(javax.net.ssl.SNIServerName name) {
                    sniSeen.add(new String(name.getEncoded(), java.nio.charset.StandardCharsets.US_ASCII));
                    return true;
                }
            }));
            server.setSSLParameters(p);
            Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
                try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) server.accept()) {
                    s.startHandshake();
                } catch (java.io.IOException expected) {
                    // the appliance refuses the untrusted certificate
                }
            });
            Https https = lab.https();
            String key = lab.ownerKey();
            String hookId = create(https, key, "https://localhost:" + server.getLocalPort() + "/hook");
            https.post("/v1/datasets", key, "{\"name\":\"Over TLS\"}");
            assertEquals("localhost", sniSeen.poll(20, java.util.concurrent.TimeUnit.SECONDS));
            JsonNode failed = awaitDelivery(https, key, hookId, "failed", Duration.ofSeconds(20));
            assertEquals(
                    "connection failed: SSLHandshakeException",
                    failed.get("last_error").asText(),
                    failed.toString());
            server.close();
            acceptor.join(5_000);
        }
    }

    /** Receivers of these tests run on loopback: plain HTTP and the loopback block allowed. */
    private static String internal(String more) {
        return "webhooks:\n  allow-loopback-http: true\n  allow-targets: [\"127.0.0.0/8\"]\n" + more;
    }

    private static String hook(String url) {
        return "{\"url\":\"" + url + "\",\"events\":[\"dataset.created\"]}";
    }

    private static String create(Https https, String key, String url) throws Exception {
        HttpResponse<String> r = https.post("/v1/webhooks", key, hook(url));
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    /** Waits until the webhook's newest delivery has {@code status}; fails with its state otherwise. */
    private static JsonNode awaitDelivery(Https https, String key, String hookId, String status, Duration wait)
            throws Exception {
        long deadline = System.nanoTime() + wait.toNanos();
        JsonNode state;
        do {
            state = JSON.readTree(https.get("/v1/webhooks/" + hookId, key).body());
            JsonNode deliveries = state.get("deliveries");
            if (deliveries != null
                    && !deliveries.isEmpty()
                    && status.equals(deliveries.get(0).get("status").asText())) {
                return deliveries.get(0);
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no " + status + " delivery: " + state);
    }
}
