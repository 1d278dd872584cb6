package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.io.RandomAccessFile;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bytes of one dataset's encrypted index files changed on disk while the appliance was stopped:
 * that dataset answers 500 dataset_unreadable (not internal_error), /health/ready lists it as
 * failed, the audit trail names it, and the other dataset keeps answering.
 */
class TamperedDatasetEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String datasetWithDocument(Https https, String key, String name, String text) throws Exception {
        HttpResponse<String> r = https.post("/v1/datasets", key, JSON.writeValueAsString(Map.of("name", name)));
        assertEquals(201, r.statusCode(), r.body());
        String ds = JSON.readTree(r.body()).get("id").asText();
        r = https.post("/v1/datasets/" + ds + "/documents", key, JSON.writeValueAsString(Map.of("content", text)));
        assertEquals(202, r.statusCode(), r.body());
        String doc = JSON.readTree(r.body()).get("id").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!JSON.readTree(https.get("/v1/datasets/" + ds + "/documents/" + doc, key)
                        .body())
                .path("status")
                .asText()
                .equals("ready")) {
            assertTrue(System.nanoTime() < deadline, "document never became ready");
            Thread.sleep(100);
        }
        return ds;
    }

    /** Flips one byte in the middle of every file of the index. */
    private static void tamper(Path index) throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(index)) {
            files = s.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().equals("write.lock"))
                    .toList();
        }
        assertTrue(!files.isEmpty(), "no index files in " + index);
        for (Path f : files) {
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                long at = raf.length() / 2;
                raf.seek(at);
                int b = raf.read();
                raf.seek(at);
                raf.write(b ^ 0x40);
            }
        }
    }

    private static HttpResponse<String> query(Https https, String key, String ds, String text) throws Exception {
        return https.post(
                "/v1/datasets/" + ds + "/query",
                key,
                JSON.writeValueAsString(Map.of("query", text, "mode", "keyword")));
    }

    @Test
    void tamperedDataset_isNamedInTheErrorHealthAndAudit_whileTheOtherAnswers() throws Exception {
        try (LabAppliance lab = LabAppliance.start(dir, "")) {
            Https https = lab.https();
            String key = lab.ownerKey();
            String tampered = datasetWithDocument(https, key, "Tampered", "The vault inventory lists twelve keys.");
            String intact = datasetWithDocument(https, key, "Intact", "The courier inventory lists nine parcels.");

            lab.stop();
            tamper(lab.home.resolve("data/indexes").resolve(tampered));
            lab.restart();
            https = lab.https();

            HttpResponse<String> broken = query(https, key, tampered, "inventory");
            assertEquals(500, broken.statusCode(), broken.body());
            JsonNode error = JSON.readTree(broken.body());
            assertEquals("dataset_unreadable", error.path("error").asText(), broken.body());
            assertEquals(tampered, error.path("details").path("dataset_id").asText(), broken.body());
            assertTrue(error.path("message").asText().endsWith("."), broken.body());
            assertTrue(error.path("request_id").asText().startsWith("req_"), broken.body());

            HttpResponse<String> other = query(https, key, intact, "inventory");
            assertEquals(200, other.statusCode(), other.body());
            assertEquals(1, JSON.readTree(other.body()).path("results").size(), other.body());

            HttpResponse<String> ready = https.get("/health/ready", null);
            assertEquals(200, ready.statusCode(), ready.body());
            JsonNode failed = JSON.readTree(ready.body()).path("details").path("failed_datasets");
            assertEquals(1, failed.size(), ready.body());
            assertEquals(tampered, failed.path(0).path("dataset_id").asText(), ready.body());
            assertEquals("failed", failed.path(0).path("status").asText(), ready.body());

            JsonNode audit = JSON.readTree(
                    https.get("/v1/audit?action=dataset.unreadable", key).body());
            boolean named = false;
            for (JsonNode e : audit.path("items")) {
                named |= tampered.equals(e.path("target").asText());
            }
            assertTrue(named, "no dataset.unreadable audit entry names " + tampered + ": " + audit);
        }
    }
}
