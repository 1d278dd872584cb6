package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingestion queue is durable: 50 documents accepted with 202, the server killed with SIGKILL
 * while it works on them, restarted: every document becomes ready, and none is indexed twice.
 */
class IngestionCrashTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DOCUMENTS = 50;

    @TempDir
    Path dir;

    private static String document(int n) {
        StringBuilder b = new StringBuilder("# Report " + n + "\n\n");
        for (int p = 0; p < 12; p++) {
            b.append("Paragraph ")
                    .append(p)
                    .append(" of report ")
                    .append(n)
                    .append(" mentions marker")
                    .append(n)
                    .append(". The quarterly numbers for region ")
                    .append(p)
                    .append(" were reviewed by the audit committee, which asked for more detail on encryption keys,")
                    .append(" retention periods and the recovery plan for the data centre.\n\n");
        }
        return b.toString();
    }

    @Test
    void documentsAcceptedBeforeAKill_areAllProcessedOnceAfterTheRestart() throws Exception {
        try (LabAppliance lab = LabAppliance.startProcess(dir, "")) {
            Https https = lab.https();
            String key = lab.ownerKey();
            String ds = JSON.readTree(https.post("/v1/datasets", key, "{\"name\":\"Reports\"}")
                            .body())
                    .get("id")
                    .asText();
            List<String> ids = new ArrayList<>();
            for (int n = 0; n < DOCUMENTS; n++) {
                HttpResponse<String> r = https.post(
                        "/v1/datasets/" + ds + "/documents",
                        key,
                        JSON.writeValueAsString(java.util.Map.of("content", document(n))));
                assertEquals(202, r.statusCode(), r.body());
                ids.add(JSON.readTree(r.body()).get("id").asText());
            }
            int processing = count(https, key, ds, ids, "processing");
            lab.kill();
            System.out.println("killed with " + processing + " of " + DOCUMENTS + " documents still processing");
            assertTrue(processing > 0, "the kill must land while documents are still queued");

            lab.restart();
            https = lab.https();
            for (String id : ids) {
                HttpResponse<String> r = https.get("/v1/datasets/" + ds + "/documents/" + id, key);
                assertEquals(200, r.statusCode(), "document " + id + " was accepted with 202 and then lost");
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (count(https, key, ds, ids, "ready") < DOCUMENTS) {
                if (System.nanoTime() > deadline) {
                    String log = lab.log() + "\n--- threads ---\n" + threadDump(lab.pid());
                    throw new AssertionError("not all documents became ready; "
                            + count(https, key, ds, ids, "ready") + " are. Log:\n"
                            + log.substring(Math.max(0, log.length() - 6000)));
                }
                assertEquals(0, count(https, key, ds, ids, "failed"));
                Thread.sleep(250);
            }
            int chunks = 0;
            for (String id : ids) {
                chunks += JSON.readTree(https.get("/v1/datasets/" + ds + "/documents/" + id, key)
                                .body())
                        .get("chunks_created")
                        .asInt();
            }
            JsonNode dataset =
                    JSON.readTree(https.get("/v1/datasets/" + ds, key).body());
            assertEquals(chunks, dataset.get("chunk_count").asInt(), "every chunk indexed exactly once");
            JsonNode hits = JSON.readTree(https.post(
                            "/v1/datasets/" + ds + "/query",
                            key,
                            "{\"query\":\"marker17\",\"mode\":\"keyword\",\"limit\":50}")
                    .body());
            for (JsonNode hit : hits.get("results")) {
                assertEquals(ids.get(17), hit.get("document_id").asText());
            }
            assertTrue(hits.get("results").size() > 0);
        }
    }

    /** jstack of the server, so a stuck queue shows where it is stuck. */
    static String threadDump(long pid) {
        try {
            Path javaBin = Path.of(ProcessHandle.current().info().command().orElseThrow());
            Process p = new ProcessBuilder(javaBin.resolveSibling("jstack").toString(), Long.toString(pid))
                    .redirectErrorStream(true)
                    .start();
            return new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (Exception e) {
            return "no thread dump: " + e;
        }
    }

    private static int count(Https https, String key, String ds, List<String> ids, String status) throws Exception {
        int n = 0;
        int offset = 0;
        while (true) {
            JsonNode page = JSON.readTree(https.get("/v1/datasets/" + ds + "/documents?limit=100&offset=" + offset, key)
                    .body());
            for (JsonNode d : page.get("items")) {
                if (d.get("status").asText().equals(status)
                        && ids.contains(d.get("id").asText())) {
                    n++;
                }
            }
            if (!page.get("has_more").asBoolean()) {
                return n;
            }
            offset += 100;
        }
    }
}
