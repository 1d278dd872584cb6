package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.ApplianceProcess;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups end to end through the CLI and a served appliance: a point-in-time restore brings back
 * exactly what existed at that moment, a restore of "now" everything shipped, and a byte flipped
 * at the target is named by `backup verify` and refused by `restore`.
 */
class BackupRestoreEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void restoreAtTime_bringsBackThatMoment_andRestoreOfNow_theLatestState() throws Exception {
        Path backups = dir.resolve("backups");
        String yaml = "backup:\n  journal-interval: 1s\n  targets:\n    - name: local\n      type: directory\n"
                + "      path: " + backups + "\n";
        Files.createDirectories(dir.resolve("live"));
        try (LabAppliance lab = LabAppliance.start(dir.resolve("live"), yaml)) {
            Https https = lab.https();
            String key = lab.ownerKey();
            String ds = id(https.post("/v1/datasets", key, "{\"name\":\"Field notes\"}"));
            String a =
                    upload(https, key, ds, "Aurora borealis sightings over the northern fjord were logged in March.");
            https.awaitDocumentReady(ds, a, key);

            ApplianceProcess.Result run = lab.cli("backup", "run");
            assertEquals(0, run.exitCode(), run.output());
            assertTrue(run.output().contains("\"snapshot\""), run.output());

            awaitShipped(https, key);
            Instant t = Instant.now();
            Thread.sleep(1200);

            String b = upload(https, key, ds, "Basalt columns along the volcanic coastline were measured in June.");
            https.awaitDocumentReady(ds, b, key);
            assertEquals(
                    200,
                    https.delete("/v1/datasets/" + ds + "/documents/" + a, key).statusCode());
            awaitShipped(https, key);

            JsonNode status = JSON.readTree(https.get("/v1/system/backups", key).body());
            assertEquals("ok", status.path("targets").get(0).path("state").asText(), status.toString());
            assertTrue(status.path("last_snapshot").has("captured_at"), status.toString());

            Path atT = dir.resolve("restored-at-t");
            ApplianceProcess.Result restore = lab.cli("restore", "--into", atT.toString(), "--at", t.toString());
            assertEquals(0, restore.exitCode(), restore.output());
            assertTrue(restore.output().contains("\"entries_replayed\""), restore.output());
            try (Served r = serve(lab, atT)) {
                assertTrue(finds(r.https, key, ds, "aurora fjord"), "A existed at T");
                assertFalse(finds(r.https, key, ds, "basalt coastline"), "B came after T");
                assertEquals(
                        200,
                        r.https
                                .get("/v1/datasets/" + ds + "/documents/" + a, key)
                                .statusCode());
                assertEquals(
                        404,
                        r.https
                                .get("/v1/datasets/" + ds + "/documents/" + b, key)
                                .statusCode());
            }

            Path now = dir.resolve("restored-now");
            restore = lab.cli("restore", "--into", now.toString());
            assertEquals(0, restore.exitCode(), restore.output());
            try (Served r = serve(lab, now)) {
                assertFalse(finds(r.https, key, ds, "aurora fjord"), "A was deleted");
                assertTrue(finds(r.https, key, ds, "basalt coastline"), "B is the latest state");
            }

            ApplianceProcess.Result verify = lab.cli("backup", "verify");
            assertEquals(0, verify.exitCode(), verify.output());
            assertTrue(verify.output().contains("\"ok\" : true"), verify.output());

            ApplianceProcess.Result refused = lab.cli("restore", "--into", now.toString());
            assertEquals(1, refused.exitCode(), refused.output());
            assertTrue(refused.output().contains("is not empty"), refused.output());

            Path victim = largestObject(backups.resolve("objects"));
            byte[] bytes = Files.readAllBytes(victim);
            bytes[bytes.length / 2] ^= 0x01;
            Files.write(victim, bytes);
            String objectName =
                    "objects/" + backups.resolve("objects").relativize(victim).toString();

            verify = lab.cli("backup", "verify");
            assertEquals(3, verify.exitCode(), verify.output());
            assertTrue(verify.output().contains(objectName), "verify names " + objectName + ":\n" + verify.output());

            Path tampered = dir.resolve("restored-tampered");
            restore = lab.cli("restore", "--into", tampered.toString());
            assertEquals(3, restore.exitCode(), restore.output());
            assertTrue(restore.output().contains(objectName), restore.output());
            assertFalse(
                    Files.exists(tampered) && Files.list(tampered).findAny().isPresent(),
                    "nothing half-restored is left");
        }
    }

    private record Served(ApplianceProcess process, Https https) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            process.close();
        }
    }

    private Served serve(LabAppliance lab, Path home) throws Exception {
        int port = LabAppliance.freeTcpPort();
        ApplianceProcess p = lab.serveOther(home, "", port, dir.resolve(home.getFileName() + ".log"));
        Path cert = home.resolve("tls/server.crt");
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!Files.exists(cert)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("restored appliance did not start:\n" + p.output());
            }
            Thread.sleep(200);
        }
        Https https = new Https(cert, port);
        try {
            https.awaitStatus("/health/ready", null, 200, Duration.ofSeconds(90));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + p.output());
        }
        return new Served(p, https);
    }

    private static void awaitShipped(Https https, String key) throws Exception {
        Instant after = Instant.now();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            JsonNode s = JSON.readTree(https.get("/v1/system/backups", key).body());
            JsonNode target = s.path("targets").get(0);
            String shipped = target.path("last_journal_shipped_at").asText(null);
            if (s.path("journal_lag_seconds").asDouble(1) == 0
                    && shipped != null
                    && Instant.parse(shipped).isAfter(after)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("journal not shipped within 30 s: " + s);
            }
            Thread.sleep(200);
        }
    }

    private static boolean finds(Https https, String key, String ds, String query) throws Exception {
        HttpResponse<String> r = https.post(
                "/v1/datasets/" + ds + "/query",
                key,
                JSON.writeValueAsString(Map.of("query", query, "mode", "keyword", "limit", 5)));
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).path("results").size() > 0;
    }

    private static String upload(Https https, String key, String ds, String text) throws Exception {
        HttpResponse<String> r =
                https.post("/v1/datasets/" + ds + "/documents", key, JSON.writeValueAsString(Map.of("content", text)));
        assertEquals(202, r.statusCode(), r.body());
        return id(r);
    }

    private static String id(HttpResponse<String> r) throws Exception {
        assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    private static Path largestObject(Path objects) throws Exception {
        try (Stream<Path> files = Files.walk(objects)) {
            return files.filter(Files::isRegularFile)
                    .max(java.util.Comparator.comparingLong(p -> p.toFile().length()))
                    .orElseThrow();
        }
    }
}
