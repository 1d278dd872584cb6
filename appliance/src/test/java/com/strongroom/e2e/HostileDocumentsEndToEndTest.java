package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One tenant uploads documents built to stall or exhaust extraction; each becomes {@code ready} or
 * {@code failed} with its named reason, and another organization's small document is ready within
 * 30 s all the same. Uploads beyond the global budget of bytes in flight get 503 with Retry-After.
 */
class HostileDocumentsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KIB = 1024;
    private static final String BUDGET_REASON =
            "Extracting the document's text took longer than the budget of 20 s per document; it is refused.";

    @TempDir
    static Path dir;

    static LabAppliance lab;
    static Https https;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        port = LabAppliance.freeTcpPort();
        lab = LabAppliance.startOnPort(
                dir,
                "documents:\n  max-bytes: 1MiB\n  extraction-time-budget: 20s\n  upload-bytes-in-flight: 2MiB\n",
                port);
        https = lab.https();
    }

    @AfterAll
    static void stop() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    private static String createDataset(String key, String name) throws Exception {
        HttpResponse<String> r = https.post("/v1/datasets", key, "{\"name\":\"" + name + "\"}");
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    private static String upload(String key, String ds, String filename, String type, byte[] content) throws Exception {
        HttpResponse<String> r = https.upload("/v1/datasets/" + ds + "/documents", key, filename, type, content, null);
        assertEquals(202, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    private static JsonNode awaitFinished(String key, String ds, String id, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        JsonNode doc;
        do {
            HttpResponse<String> r = https.get("/v1/datasets/" + ds + "/documents/" + id, key);
            assertEquals(200, r.statusCode(), r.body());
            doc = JSON.readTree(r.body());
            String status = doc.get("status").asText();
            if (status.equals("ready") || status.equals("failed")) {
                return doc;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("document " + id + " not finished within " + within + ": " + doc);
    }

    @Test
    void hostileDocumentsFinishWithinTheirBudget_whileAnotherOrganizationsDocumentIsReadyIn30s() throws Exception {
        String hostile = lab.ownerKey();
        String ds = createDataset(hostile, "Hostile");
        String neighbour = lab.addOrganization("Neighbour");
        String neighbourDs = createDataset(neighbour, "Notes");

        Map<String, String> expected = new LinkedHashMap<>(); // document id -> "ready" or its failure reason
        String spaces = "a" + " ".repeat(1000 * KIB) + "b";
        expected.put(upload(hostile, ds, "spaces.txt", "text/plain", bytes(spaces)), "ready");
        expected.put(upload(hostile, ds, "headings.md", "text/markdown", bytes("# h\n".repeat(2_000))), "ready");
        expected.put(upload(hostile, ds, "heading.md", "text/markdown", bytes("# " + spaces + "\n\nx")), "ready");
        expected.put(
                upload(hostile, ds, "cells.html", "text/html", bytes("<table><tr>" + "<td>c</td>".repeat(80_000))),
                "ready");
        String name = "k".repeat(200);
        expected.put(
                upload(
                        hostile,
                        ds,
                        "paths.json",
                        "application/json",
                        bytes(("{\"" + name + "\":").repeat(100) + "1" + "}".repeat(100))),
                "The JSON document has a key path longer than 1000 characters (names nested too deeply or too long).");
        String path = ("{\"" + "k".repeat(90) + "\":").repeat(10);
        expected.put(
                upload(
                        hostile,
                        ds,
                        "leaves.json",
                        "application/json",
                        bytes(path + "[" + "1,".repeat(500 * KIB) + "1]" + "}".repeat(10))),
                "The document's text would be more than 8 times its size in bytes; it is refused"
                        + " (deeply nested keys or structures repeated per value?).");

        String small = upload(neighbour, neighbourDs, "hello.txt", "text/plain", bytes("hello from next door"));
        JsonNode neighbourDoc = awaitFinished(neighbour, neighbourDs, small, Duration.ofSeconds(30));
        assertEquals("ready", neighbourDoc.get("status").asText(), neighbourDoc.toString());

        for (Map.Entry<String, String> e : expected.entrySet()) {
            JsonNode doc = awaitFinished(hostile, ds, e.getKey(), Duration.ofSeconds(120));
            if (e.getValue().equals("ready")) {
                assertEquals("ready", doc.get("status").asText(), doc.toString());
            } else {
                assertEquals("failed", doc.get("status").asText(), doc.toString());
                String reason = doc.get("failure_reason").asText();
                assertTrue(reason.equals(e.getValue()) || reason.equals(BUDGET_REASON), doc.toString());
            }
        }
    }

    @Test
    void anUploadBeyondTheBytesInFlight_is503WithRetryAfter_andNothingStored() throws Exception {
        String key = lab.ownerKey();
        String ds = createDataset(key, "Busy");
        // An upload that declares the whole budget (2 MiB) and sends its body slowly holds all of it.
        SSLSocket held = (SSLSocket) https.sslContext().getSocketFactory().createSocket("127.0.0.1", port);
        try {
            SSLParameters params = held.getSSLParameters();
            params.setProtocols(new String[] {"TLSv1.3"});
            held.setSSLParameters(params);
            OutputStream out = held.getOutputStream();
            out.write(bytes("POST /v1/datasets/" + ds + "/documents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + key + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + (2 * KIB * KIB) + "\r\n\r\n{\"content\":\""));
            out.flush();
            // The held upload's handler reserves once it runs: probe with a body the API refuses
            // anyway (nothing can be stored by it) until the budget answers instead.
            HttpResponse<String> probe = null;
            long held503 = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < held503) {
                probe = https.post("/v1/datasets/" + ds + "/documents", key, "{\"not_a_field\":1}");
                if (probe.statusCode() == 503) {
                    break;
                }
                assertTrue(probe.statusCode() == 400 || probe.statusCode() == 422, probe.body());
                Thread.sleep(100);
            }
            assertEquals(503, probe.statusCode(), probe.body());
            HttpResponse<String> busy =
                    https.upload("/v1/datasets/" + ds + "/documents", key, "n.txt", "text/plain", bytes("note"), null);
            assertEquals(503, busy.statusCode(), busy.body());
            JsonNode error = JSON.readTree(busy.body());
            assertEquals("uploads_busy", error.get("error").asText());
            assertTrue(error.get("message").asText().endsWith("."));
            assertTrue(error.has("request_id"));
            assertEquals("5", busy.headers().firstValue("Retry-After").orElse(null));
            HttpResponse<String> list = https.get("/v1/datasets/" + ds + "/documents", key);
            assertEquals(0, JSON.readTree(list.body()).get("total").asInt(), list.body());
        } finally {
            held.close();
        }
        // The held upload is gone, and with it its reservation: uploads are accepted again.
        HttpResponse<String> accepted = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            accepted =
                    https.upload("/v1/datasets/" + ds + "/documents", key, "n.txt", "text/plain", bytes("note"), null);
            if (accepted.statusCode() == 202) {
                break;
            }
            Thread.sleep(200);
        }
        assertEquals(202, accepted.statusCode(), accepted.body());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
