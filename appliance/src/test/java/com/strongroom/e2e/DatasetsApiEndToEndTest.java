package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.ingest.Documents;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Datasets, documents and queries over real TLS against a running appliance with a SoftHSM2
 * token: the path a developer follows in docs/api.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DatasetsApiEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static LabAppliance lab;
    private static Https https;
    private static String key;

    @BeforeAll
    static void start() throws Exception {
        lab = LabAppliance.start(dir, "server:\n  cors-origins: [\"https://portal.example.com\"]\n");
        https = lab.https();
        key = lab.ownerKey();
    }

    @AfterAll
    static void stop() throws Exception {
        lab.close();
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    private static JsonNode expect(int status, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("X-Request-Id").isPresent());
        assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(null));
        assertTrue(
                r.headers().firstValue("Strict-Transport-Security").orElse("").startsWith("max-age="));
        assertTrue(r.headers().firstValue("Content-Security-Policy").orElse("").contains("frame-ancestors 'none'"));
        return json(r);
    }

    private static JsonNode awaitDocument(String datasetId, String docId, String status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        JsonNode doc;
        do {
            doc = expect(200, https.get("/v1/datasets/" + datasetId + "/documents/" + docId, key));
            if (doc.get("status").asText().equals(status)) {
                return doc;
            }
            assertNotEquals(
                    "failed".equals(status) ? "ready" : "failed",
                    doc.get("status").asText(),
                    doc.toString());
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("document " + docId + " not " + status + ": " + doc);
    }

    private static String createDataset(String name) throws Exception {
        JsonNode d = expect(201, https.post("/v1/datasets", key, "{\"name\":\"" + name + "\"}"));
        return d.get("id").asText();
    }

    @Test
    @Order(1)
    void datasets_createListGetUpdate_withValidation() throws Exception {
        JsonNode created = expect(
                201,
                https.post(
                        "/v1/datasets",
                        key,
                        "{\"name\":\"Handbook\",\"description\":\"Policies\",\"metadata\":{\"team\":\"hr\"}}"));
        String id = created.get("id").asText();
        assertTrue(id.startsWith("ds_"), id);
        assertEquals("all-minilm-l6-v2-q", created.get("embedding_model").asText());
        assertEquals(384, created.get("embedding_dimensions").asInt());

        JsonNode clash = expect(409, https.post("/v1/datasets", key, "{\"name\":\"Handbook\"}"));
        assertEquals("dataset_name_taken", clash.get("error").asText());

        JsonNode invalid = expect(422, https.post("/v1/datasets", key, "{\"name\":\"\",\"colour\":1,\"metadata\":[]}"));
        assertEquals("validation_error", invalid.get("error").asText());
        Set<String> fields = new HashSet<>();
        invalid.get("details").forEach(d -> fields.add(d.get("field").asText()));
        assertEquals(Set.of("name", "colour", "metadata"), fields, invalid.toString());
        assertEquals(
                "invalid_json",
                expect(400, https.post("/v1/datasets", key, "{\"name\":"))
                        .get("error")
                        .asText());
        assertEquals(401, https.post("/v1/datasets", null, "{\"name\":\"x\"}").statusCode());

        JsonNode list = expect(200, https.get("/v1/datasets?limit=1", key));
        assertEquals(1, list.get("total").asInt(), "the rejected requests created nothing");
        assertFalse(list.get("has_more").asBoolean());
        assertEquals(422, https.get("/v1/datasets?limit=101", key).statusCode());
        assertEquals(422, https.get("/v1/datasets?sort=size", key).statusCode());

        JsonNode patched = expect(200, https.patch("/v1/datasets/" + id, key, "{\"description\":\"HR policies\"}"));
        assertEquals("HR policies", patched.get("description").asText());
        assertEquals("Handbook", patched.get("name").asText());
        assertEquals(
                "dataset_not_found",
                expect(404, https.get("/v1/datasets/ds_nope", key)).get("error").asText());
        assertEquals(
                "not_found",
                expect(404, https.get("/v1/nothing-here", key)).get("error").asText());
        assertEquals(
                "3.1.0",
                expect(200, https.get("/v1/openapi.json", null)).get("openapi").asText());
    }

    @Test
    @Order(1)
    void rateLimitAndCorsHeaders() throws Exception {
        HttpResponse<String> r = https.get("/v1/datasets", key);
        assertEquals("1000", r.headers().firstValue("X-RateLimit-Limit").orElse(null));
        assertTrue(
                Integer.parseInt(r.headers().firstValue("X-RateLimit-Remaining").orElse("-1")) < 1000,
                "the default: 1,000 an hour per key");
        HttpResponse<String> preflight = https.preflight("/v1/datasets", "https://portal.example.com", "POST");
        assertEquals(204, preflight.statusCode());
        assertEquals(
                "https://portal.example.com",
                preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals(
                403,
                https.preflight("/v1/datasets", "https://evil.example.net", "POST")
                        .statusCode());
        assertEquals(
                "https://portal.example.com",
                https.getFrom("/v1/datasets", key, "https://portal.example.com")
                        .headers()
                        .firstValue("Access-Control-Allow-Origin")
                        .orElse(null));
        assertTrue(https.getFrom("/v1/datasets", key, "https://evil.example.net")
                .headers()
                .firstValue("Access-Control-Allow-Origin")
                .isEmpty());
    }

    @Test
    @Order(2)
    void idempotencyKey_replaysTheFirstAnswer() throws Exception {
        byte[] body = "{\"name\":\"Once\"}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> first =
                https.sendWithHeader("POST", "/v1/datasets", key, body, "Idempotency-Key", "abc-1");
        HttpResponse<String> retry =
                https.sendWithHeader("POST", "/v1/datasets", key, body, "Idempotency-Key", "abc-1");
        assertEquals(201, first.statusCode(), first.body());
        assertEquals(201, retry.statusCode());
        assertEquals(json(first).get("id"), json(retry).get("id"), "the retry created nothing new");
        HttpResponse<String> reused = https.sendWithHeader(
                "POST",
                "/v1/datasets",
                key,
                "{\"name\":\"Other\"}".getBytes(StandardCharsets.UTF_8),
                "Idempotency-Key",
                "abc-1");
        assertEquals(422, reused.statusCode());
        assertEquals("idempotency_key_reused", json(reused).get("error").asText());
    }

    @Test
    @Order(3)
    void documents_areIngested_andTheRightPassageComesFirst() throws Exception {
        String ds = createDataset("Security manual");
        byte[] pdf = Documents.pdf(
                "Strongroom security manual",
                "Key rotation. Rotating the key-encryption key re-wraps every data key inside the HSM; no data is rewritten.",
                "Revocation. When the key-encryption key is deleted in the HSM the appliance seals itself within seconds.",
                "Backups. Backup archives are encrypted with their own data key and can be restored on another host.");
        JsonNode accepted = expect(
                202,
                https.upload(
                        "/v1/datasets/" + ds + "/documents",
                        key,
                        "manual.pdf",
                        "application/pdf",
                        pdf,
                        "{\"team\":\"security\",\"year\":2026}"));
        assertEquals("processing", accepted.get("status").asText());
        String pdfId = accepted.get("id").asText();
        assertTrue(pdfId.startsWith("doc_"));

        JsonNode note = expect(
                202,
                https.post(
                        "/v1/datasets/" + ds + "/documents",
                        key,
                        "{\"content\":\"The cafeteria serves lunch from noon until two. Vegetarian dishes are marked green.\","
                                + "\"metadata\":{\"team\":\"facilities\",\"year\":2024}}"));
        String noteId = note.get("id").asText();

        JsonNode ready = awaitDocument(ds, pdfId, "ready");
        assertTrue(ready.get("chunks_created").asInt() >= 1, ready.toString());
        assertEquals("application/pdf", ready.get("content_type").asText());
        awaitDocument(ds, noteId, "ready");

        for (String mode : List.of("semantic", "keyword", "hybrid")) {
            JsonNode answer = expect(
                    200,
                    https.post(
                            "/v1/datasets/" + ds + "/query",
                            key,
                            "{\"query\":\"what happens when the HSM key is deleted\",\"mode\":\"" + mode
                                    + "\",\"limit\":3}"));
            JsonNode first = answer.get("results").get(0);
            assertEquals(pdfId, first.get("document_id").asText(), mode + ": " + answer);
            assertTrue(first.get("content").asText().contains("seals itself"), mode + ": " + first);
            assertTrue(first.get("chunk_id").asText().startsWith("ch_"));
            assertTrue(answer.get("query_time_ms").asDouble() >= 0);
        }
        JsonNode lunch =
                expect(200, https.post("/v1/datasets/" + ds + "/query", key, "{\"query\":\"when is lunch served\"}"));
        assertEquals(noteId, lunch.get("results").get(0).get("document_id").asText(), lunch.toString());
        assertEquals("hybrid", lunch.get("mode").asText(), "hybrid is the default");

        JsonNode filtered = expect(
                200,
                https.post(
                        "/v1/datasets/" + ds + "/query",
                        key,
                        "{\"query\":\"key\",\"filters\":{\"year\":{\"lt\":2025}},\"limit\":50}"));
        filtered.get("results")
                .forEach(r -> assertEquals(noteId, r.get("document_id").asText()));
        JsonNode badFilter = expect(
                422,
                https.post(
                        "/v1/datasets/" + ds + "/query",
                        key,
                        "{\"query\":\"key\",\"filters\":{\"year\":{\"near\":1}}}"));
        assertEquals("invalid_filter", badFilter.get("error").asText());
        assertEquals(
                422,
                https.post("/v1/datasets/" + ds + "/query", key, "{\"query\":\"key\",\"limit\":51}")
                        .statusCode());
        JsonNode wrongVector = expect(
                422,
                https.post("/v1/datasets/" + ds + "/query", key, "{\"mode\":\"semantic\",\"vector\":[0.1,0.2,0.3]}"));
        assertEquals("embedding_mismatch", wrongVector.get("error").asText());

        JsonNode list = expect(200, https.get("/v1/datasets/" + ds + "/documents", key));
        assertEquals(2, list.get("total").asInt());

        expect(200, https.delete("/v1/datasets/" + ds + "/documents/" + noteId, key));
        JsonNode after = expect(
                200, https.post("/v1/datasets/" + ds + "/query", key, "{\"query\":\"lunch cafeteria\",\"limit\":50}"));
        after.get("results")
                .forEach(r -> assertNotEquals(noteId, r.get("document_id").asText(), "deleted chunks are gone"));
        assertEquals(
                404,
                https.get("/v1/datasets/" + ds + "/documents/" + noteId, key).statusCode());
    }

    @Test
    @Order(4)
    void badUploads_getTheirStatus_andLeaveNothingBehind() throws Exception {
        String ds = createDataset("Uploads");
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
        JsonNode unsupported = expect(
                415, https.upload("/v1/datasets/" + ds + "/documents", key, "chart.png", "image/png", png, null));
        assertEquals("unsupported_media_type", unsupported.get("error").asText());
        byte[] big = new byte[10 * 1024 * 1024 + 1];
        java.util.Arrays.fill(big, (byte) 'a');
        JsonNode tooLarge =
                expect(413, https.upload("/v1/datasets/" + ds + "/documents", key, "big.txt", "text/plain", big, null));
        assertEquals("file_too_large", tooLarge.get("error").asText());
        JsonNode noText = expect(
                202,
                https.upload(
                        "/v1/datasets/" + ds + "/documents",
                        key,
                        "scan.pdf",
                        "application/pdf",
                        Documents.pdf("Scan"),
                        null));
        JsonNode failed = awaitDocument(ds, noText.get("id").asText(), "failed");
        assertTrue(failed.get("failure_reason").asText().contains("no extractable text"), failed.toString());
        assertEquals(
                1,
                expect(200, https.get("/v1/datasets/" + ds + "/documents", key))
                        .get("total")
                        .asInt(),
                "only the accepted (then failed) upload is listed");
    }

    @Test
    @Order(5)
    void softDeletedDatasets_vanish_andComeBackWithRestore() throws Exception {
        String ds = createDataset("Temporary");
        JsonNode deleted = expect(200, https.delete("/v1/datasets/" + ds, key));
        assertTrue(deleted.get("purge_after").asText().startsWith("20"), deleted.toString());
        assertEquals(404, https.get("/v1/datasets/" + ds, key).statusCode());
        assertEquals(
                404,
                https.post("/v1/datasets/" + ds + "/query", key, "{\"query\":\"x\"}")
                        .statusCode());
        expect(200, https.post("/v1/datasets/" + ds + "/restore", key, ""));
        expect(200, https.get("/v1/datasets/" + ds, key));
    }

    @Test
    @Order(6)
    void nothingReadableOnDisk_andNoSecretsInTheLog() throws Exception {
        String marker = "zanzibarquokka" + System.nanoTime();
        String ds = createDataset("Marker");
        JsonNode doc = expect(
                202,
                https.post(
                        "/v1/datasets/" + ds + "/documents",
                        key,
                        "{\"content\":\"The secret code word is " + marker + ".\"}"));
        awaitDocument(ds, doc.get("id").asText(), "ready");
        JsonNode hit = expect(
                200,
                https.post(
                        "/v1/datasets/" + ds + "/query", key, "{\"query\":\"" + marker + "\",\"mode\":\"keyword\"}"));
        assertEquals(1, hit.get("results").size());
        lab.restart(); // everything committed and closed cleanly
        byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.walk(lab.home)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(f);
                } catch (java.nio.file.NoSuchFileException gone) {
                    continue; // replaced by the running appliance meanwhile (e.g. an old commit point)
                }
                assertFalse(contains(bytes, needle), "plaintext marker found in " + f);
            }
        }
        assertFalse(lab.log().contains(marker), "document text in the log");
        assertFalse(lab.log().contains(key), "API key in the log");
        https = lab.https();
        JsonNode again = expect(
                200,
                https.post(
                        "/v1/datasets/" + ds + "/query", key, "{\"query\":\"" + marker + "\",\"mode\":\"keyword\"}"));
        assertEquals(1, again.get("results").size(), "still searchable after the restart");
    }

    @Test
    @Order(7)
    void clientsMaySendTheirOwnVectors_ofTheDatasetsModelAndDimension() throws Exception {
        JsonNode created = expect(
                201,
                https.post(
                        "/v1/datasets",
                        key,
                        "{\"name\":\"Own vectors\",\"embedding_model\":\"corp-e5\",\"embedding_dimensions\":4}"));
        String ds = created.get("id").asText();
        assertEquals("corp-e5", created.get("embedding_model").asText());
        assertEquals(
                422,
                https.post("/v1/datasets", key, "{\"name\":\"No dims\",\"embedding_model\":\"corp-e5\"}")
                        .statusCode());

        JsonNode doc = expect(
                202,
                https.post(
                        "/v1/datasets/" + ds + "/documents",
                        key,
                        "{\"chunks\":[{\"content\":\"north wing fire exits\",\"vector\":[1,0,0,0]},"
                                + "{\"content\":\"south wing parking\",\"vector\":[0,1,0,0]}]}"));
        JsonNode ready = awaitDocument(ds, doc.get("id").asText(), "ready");
        assertEquals(2, ready.get("chunks_created").asInt());
        JsonNode hit = expect(
                200,
                https.post(
                        "/v1/datasets/" + ds + "/query",
                        key,
                        "{\"mode\":\"semantic\",\"vector\":[0.1,0.9,0,0],\"limit\":1}"));
        assertEquals(
                "south wing parking", hit.get("results").get(0).get("content").asText());
        JsonNode keyword = expect(
                200,
                https.post("/v1/datasets/" + ds + "/query", key, "{\"mode\":\"keyword\",\"query\":\"fire exits\"}"));
        assertEquals(
                "north wing fire exits",
                keyword.get("results").get(0).get("content").asText());

        JsonNode mixed = expect(422, https.post("/v1/datasets/" + ds + "/query", key, "{\"query\":\"parking\"}"));
        assertEquals("embedding_mismatch", mixed.get("error").asText(), "the appliance's model may not query it");
        JsonNode text =
                expect(422, https.post("/v1/datasets/" + ds + "/documents", key, "{\"content\":\"plain text\"}"));
        assertEquals("chunks", text.get("details").get(0).get("field").asText());
        JsonNode wrongDims = expect(
                422,
                https.post(
                        "/v1/datasets/" + ds + "/documents",
                        key,
                        "{\"chunks\":[{\"content\":\"x\",\"vector\":[1,0,0]}]}"));
        assertEquals(
                "chunks[0].vector", wrongDims.get("details").get(0).get("field").asText());
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
