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

    private record Created(String dataset, String document) {}

    private static String datasetWithDocument(Https https, String key, String name, String text) throws Exception {
        return create(https, key, name, text).dataset();
    }

    private static Created create(Https https, String key, String name, String text) throws Exception {
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
        return new Created(ds, doc);
    }

    private static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
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

    /**
     * A delete that fails half-way, on an index that cannot be read, must not leave a document
     * marked deleted whose chunks come back once the operator puts the index files back.
     */
    @Test
    void deleteFailingOnAnUnreadableIndex_neverLeavesADeletedDocumentSearchable() throws Exception {
        try (LabAppliance lab = LabAppliance.start(dir, "")) {
            Https https = lab.https();
            String key = lab.ownerKey();
            Created c = create(https, key, "Ledger", "The ledger records the rotation of the signing key.");
            Path index = lab.home.resolve("data/indexes").resolve(c.dataset());
            Path saved = dir.resolve("saved-index");

            lab.stop();
            copy(index, saved);
            tamper(index);
            lab.restart();
            https = lab.https();
            HttpResponse<String> delete =
                    https.delete("/v1/datasets/" + c.dataset() + "/documents/" + c.document(), key);
            assertEquals(500, delete.statusCode(), delete.body());
            assertEquals(
                    "dataset_unreadable",
                    JSON.readTree(delete.body()).path("error").asText(),
                    delete.body());

            lab.stop();
            copy(saved, index); // the operator puts the good files back
            lab.restart();
            https = lab.https();
            HttpResponse<String> doc = https.get("/v1/datasets/" + c.dataset() + "/documents/" + c.document(), key);
            JsonNode hits = JSON.readTree(
                            query(https, key, c.dataset(), "ledger").body())
                    .path("results");
            if (doc.statusCode() == 404) {
                assertEquals(0, hits.size(), "a deleted document's chunks are searchable again: " + hits);
            }
            assertEquals(200, doc.statusCode(), "the failed delete left the document in place");
            assertEquals(1, hits.size(), hits.toString());

            HttpResponse<String> retried =
                    https.delete("/v1/datasets/" + c.dataset() + "/documents/" + c.document(), key);
            assertEquals(200, retried.statusCode(), retried.body());
            assertEquals(
                    0,
                    JSON.readTree(query(https, key, c.dataset(), "ledger").body())
                            .path("results")
                            .size());
        }
    }
}
