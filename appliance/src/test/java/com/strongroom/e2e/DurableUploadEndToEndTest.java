package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 202 means the upload is on the disk: the metadata database file is forced (fsync) before the
 * answer leaves, and a SIGKILL right after the answer loses nothing.
 */
class DurableUploadEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private record Force(String path, Instant end) {}

    private static String dataset(Https https, String key) throws Exception {
        HttpResponse<String> r = https.post("/v1/datasets", key, "{\"name\":\"Durable\"}");
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    /**
     * Page cache survives a kill of the process, not a power cut: only an fsync makes the 202
     * true. The JVM's own flight recorder sees every FileChannel.force, with the file it forced.
     */
    @Test
    void uploadAnswered202_forcedTheMetadataFileToDiskBeforeAnswering() throws Exception {
        try (LabAppliance lab = LabAppliance.start(dir, "");
                RecordingStream recording = new RecordingStream()) {
            Https https = lab.https();
            String key = lab.ownerKey();
            String ds = dataset(https, key);
            List<Force> forces = new CopyOnWriteArrayList<>();
            AtomicReference<Instant> flushed = new AtomicReference<>(Instant.MIN);
            recording.enable("jdk.FileForce").withThreshold(Duration.ZERO);
            recording.setMaxAge(Duration.ofMinutes(1));
            recording.onEvent("jdk.FileForce", e -> forces.add(new Force(e.getString("path"), e.getEndTime())));
            recording.onFlush(() -> flushed.set(Instant.now()));
            recording.startAsync();
            Thread.sleep(1500); // the stream is live

            Instant sent = Instant.now();
            HttpResponse<String> r = https.post(
                    "/v1/datasets/" + ds + "/documents",
                    key,
                    JSON.writeValueAsString(Map.of("content", "the quarterly audit of key custody")));
            Instant answered = Instant.now();
            assertEquals(202, r.statusCode(), r.body());
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!flushed.get().isAfter(answered.plusMillis(500)) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            Path metadata = lab.home.resolve("data/metadata.mv.db").toAbsolutePath();
            boolean forcedBeforeAnswer = forces.stream()
                    .anyMatch(f -> Path.of(f.path()).toAbsolutePath().equals(metadata)
                            && f.end().isAfter(sent)
                            && !f.end().isAfter(answered));
            assertTrue(
                    forcedBeforeAnswer,
                    "no fsync of " + metadata + " between the upload and its 202; forces: " + forces);
        }
    }

    @Test
    void killedRightAfterThe202_theDocumentIsThereAndBecomesReady() throws Exception {
        try (LabAppliance lab = LabAppliance.startProcess(dir, "")) {
            Https https = lab.https();
            String key = lab.ownerKey();
            String ds = dataset(https, key);
            HttpResponse<String> r = https.post(
                    "/v1/datasets/" + ds + "/documents",
                    key,
                    JSON.writeValueAsString(Map.of("content", "The custody of the master key was reviewed in March.")));
            lab.kill();
            assertEquals(202, r.statusCode(), r.body());
            String id = JSON.readTree(r.body()).get("id").asText();

            lab.restart();
            https = lab.https();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String status;
            do {
                HttpResponse<String> d = https.get("/v1/datasets/" + ds + "/documents/" + id, key);
                assertEquals(200, d.statusCode(), "document " + id + " was accepted with 202 and then lost");
                status = JSON.readTree(d.body()).get("status").asText();
                if (!status.equals("ready")) {
                    Thread.sleep(200);
                }
            } while (!status.equals("ready") && System.nanoTime() < deadline);
            assertEquals("ready", status);
            HttpResponse<String> hits =
                    https.post("/v1/datasets/" + ds + "/query", key, "{\"query\":\"custody\",\"mode\":\"keyword\"}");
            assertEquals(
                    id,
                    JSON.readTree(hits.body())
                            .path("results")
                            .path(0)
                            .path("document_id")
                            .asText(),
                    hits.body());
        }
    }
}
