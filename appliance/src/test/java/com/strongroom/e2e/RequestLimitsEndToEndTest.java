package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.StringJoiner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests past a limit, over real TLS: each gets its documented status in the standard error
 * shape (error, message, details, request_id), none gets a 500 or a bare status line, and what is
 * stored stays as it was.
 */
class RequestLimitsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static LabAppliance lab;
    private static Https https;
    private static String owner;
    private static String datasetId;

    @BeforeAll
    static void start() throws Exception {
        lab = LabAppliance.start(dir, "quotas:\n  datasets-per-organization: 2\n  documents-per-dataset: 2\n");
        https = lab.https();
        owner = lab.ownerKey();
        HttpResponse<String> created = https.post("/v1/datasets", owner, "{\"name\":\"Limits\"}");
        assertEquals(201, created.statusCode(), created.body());
        datasetId = JSON.readTree(created.body()).get("id").asText();
    }

    @AfterAll
    static void stop() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    private static JsonNode standardError(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals(code, body.path("error").asText(), r.body());
        assertTrue(body.path("message").asText().endsWith("."), r.body());
        assertTrue(body.has("details"), r.body());
        assertTrue(body.path("request_id").asText().startsWith("req_"), r.body());
        return body;
    }

    @Test
    void jsonNestedTooDeep_is400_andNothingIsCreated() throws Exception {
        String deep = "{\"a\":".repeat(100) + "1" + "}".repeat(100);
        int before = JSON.readTree(https.get("/v1/datasets", owner).body())
                .path("total")
                .asInt();
        JsonNode e = standardError(
                https.post("/v1/datasets", owner, "{\"name\":\"Deep\",\"metadata\":" + deep + "}"),
                400,
                "invalid_json");
        assertTrue(e.path("message").asText().contains("64 levels"), e.toString());
        JsonNode list = JSON.readTree(https.get("/v1/datasets", owner).body());
        assertEquals(before, list.path("total").asInt(), list.toString());

        // the JSON-RPC endpoint parses with the same bound: a parse error, not a failure
        HttpResponse<String> mcp = https.send(
                "POST",
                "/v1/mcp",
                owner,
                "application/json",
                ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"," + "\"params\":" + deep + "}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(mcp.statusCode() < 500, mcp.statusCode() + " " + mcp.body());
        assertEquals(
                -32700, JSON.readTree(mcp.body()).path("error").path("code").asInt(), mcp.body());
    }

    @Test
    void aKeywordQueryWithMoreTermsThanLuceneTakes_is422OnTheQueryField() throws Exception {
        StringJoiner words = new StringJoiner(" ");
        for (int i = 0; i < 1800; i++) {
            words.add("w" + i); // distinct terms, under the 10,000-character bound
        }
        for (String mode : new String[] {"keyword", "hybrid"}) {
            JsonNode e = standardError(
                    https.post(
                            "/v1/datasets/" + datasetId + "/query",
                            owner,
                            "{\"query\":\"" + words + "\",\"mode\":\"" + mode + "\"}"),
                    422,
                    "invalid_query");
            assertEquals("query", e.path("details").path(0).path("field").asText(), e.toString());
            assertTrue(e.path("message").asText().contains("1024"), e.toString());
        }
        assertEquals(
                200,
                https.post("/v1/datasets/" + datasetId + "/query", owner, "{\"query\":\"w1 w2\",\"mode\":\"keyword\"}")
                        .statusCode());
    }

    @Test
    void quotas_answer409QuotaExceeded_andCreateNothing() throws Exception {
        HttpResponse<String> second = https.post("/v1/datasets", owner, "{\"name\":\"Second\"}");
        assertEquals(201, second.statusCode(), second.body());
        JsonNode e = standardError(https.post("/v1/datasets", owner, "{\"name\":\"Third\"}"), 409, "quota_exceeded");
        assertEquals(
                "quotas.datasets-per-organization",
                e.path("details").path("quota").asText(),
                e.toString());
        assertEquals(2, e.path("details").path("limit").asInt(), e.toString());
        assertEquals(
                2,
                JSON.readTree(https.get("/v1/datasets", owner).body())
                        .path("total")
                        .asInt());

        String ds = JSON.readTree(second.body()).path("id").asText();
        String path = "/v1/datasets/" + ds + "/documents";
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> doc =
                    https.post(path, owner, "{\"content\":\"document " + i + "\",\"filename\":\"d" + i + ".txt\"}");
            assertEquals(202, doc.statusCode(), doc.body());
        }
        e = standardError(https.post(path, owner, "{\"content\":\"one too many\"}"), 409, "quota_exceeded");
        assertEquals(
                "quotas.documents-per-dataset", e.path("details").path("quota").asText(), e.toString());
        assertEquals(
                2, JSON.readTree(https.get(path, owner).body()).path("total").asInt());
    }

    @Test
    void chunkedBodiesOverTheirLimits_are413InTheStandardShape_notAReset() throws Exception {
        // no Content-Length: the server finds out while reading, and still answers
        standardError(chunked("/v1/datasets/" + datasetId + "/documents", 400), 413, "file_too_large");
        standardError(chunked("/v1/datasets", 40), 413, "request_too_large");
    }

    /** A POST of {@code chunks} x 64 KiB sent chunked. */
    private static HttpResponse<String> chunked(String path, int chunks) throws Exception {
        byte[] chunk = new byte[64 << 10];
        java.util.Arrays.fill(chunk, (byte) 'x');
        java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("https://127.0.0.1:" + lab.httpsPort + path))
                .timeout(java.time.Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + owner)
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.SequenceInputStream(
                        java.util.Collections.enumeration(java.util.stream.IntStream.range(0, chunks)
                                .mapToObj(i -> (java.io.InputStream) new java.io.ByteArrayInputStream(chunk))
                                .toList()))))
                .build();
        return https.client().send(req, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aUriTooLong_is414InTheStandardShape() throws Exception {
        standardError(https.get("/v1/datasets?q=" + "a".repeat(70_000), owner), 414, "uri_too_long");
    }

    @Test
    void headersTooLarge_are400InTheStandardShape() throws Exception {
        // Helidon reports headers over its 16 KiB limit as a plain 400; the answer says it may be that
        JsonNode e = standardError(
                https.sendWithHeader("GET", "/v1/datasets", owner, new byte[0], "X-Padding", "a".repeat(70_000)),
                400,
                "bad_request");
        assertTrue(e.path("message").asText().contains("headers larger than"), e.toString());
    }

    @Test
    void aBodyOverTheJsonLimit_is413InTheStandardShape() throws Exception {
        standardError(
                https.post("/v1/datasets", owner, "{\"name\":\"" + "x".repeat(2 << 20) + "\"}"),
                413,
                "request_too_large");
    }
}
