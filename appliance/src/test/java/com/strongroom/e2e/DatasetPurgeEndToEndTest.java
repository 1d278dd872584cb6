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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Soft delete, restore within the window, and the scheduled purge that removes the index and
 * crypto-shreds the dataset's key, over HTTP against a running appliance whose retention window
 * is shortened to seconds by configuration.
 */
class DatasetPurgeEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static LabAppliance lab;
    private static Https https;
    private static String key;

    @BeforeAll
    static void start() throws Exception {
        lab = LabAppliance.start(dir, "retention:\n  soft-deleted-datasets: 3s\n  purge-interval: 1s\n");
        https = lab.https();
        key = lab.ownerKey();
    }

    @AfterAll
    static void stop() throws Exception {
        lab.close();
    }

    private static JsonNode body(int status, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.request().method() + " " + r.uri() + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private static List<String> dekStates(String datasetId) throws Exception {
        List<String> states = new ArrayList<>();
        for (JsonNode dek :
                body(200, https.get("/v1/system/keys", lab.operatorKey())).get("deks")) {
            if (dek.get("purpose").asText().equals("dataset:" + datasetId)) {
                states.add(dek.get("state").asText());
            }
        }
        return states;
    }

    @Test
    void deleteRestoreDelete_thenThePurgeShredsTheKey() throws Exception {
        String id = body(201, https.post("/v1/datasets", key, "{\"name\":\"Old project\"}"))
                .get("id")
                .asText();
        String doc = body(202, https.post("/v1/datasets/" + id + "/documents", key, "{\"content\":\"Budget notes.\"}"))
                .get("id")
                .asText();
        https.awaitDocumentReady(id, doc, key);
        Path index = lab.home.resolve("data/indexes").resolve(id);
        assertTrue(Files.isDirectory(index), index.toString());
        assertEquals(List.of("primary"), dekStates(id));

        JsonNode deleted = body(200, https.delete("/v1/datasets/" + id, key));
        Instant purgeAfter = Instant.parse(deleted.get("purge_after").asText());
        assertTrue(
                purgeAfter.isAfter(Instant.now())
                        && purgeAfter.isBefore(Instant.now().plusSeconds(4)),
                deleted.toString());
        assertEquals(
                "dataset_not_found",
                body(404, https.get("/v1/datasets/" + id, key)).get("error").asText());
        assertEquals(0, body(200, https.get("/v1/datasets", key)).get("total").asInt());
        assertEquals(
                404,
                https.post("/v1/datasets/" + id + "/query", key, "{\"query\":\"budget\"}")
                        .statusCode());

        assertEquals(
                "Old project",
                body(200, https.post("/v1/datasets/" + id + "/restore", key, "{}"))
                        .get("name")
                        .asText());
        assertEquals(
                "ready",
                body(200, https.get("/v1/datasets/" + id + "/documents/" + doc, key))
                        .get("status")
                        .asText());
        body(200, https.delete("/v1/datasets/" + id, key));

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!dekStates(id).equals(List.of("destroyed"))) {
            assertTrue(System.nanoTime() < deadline, "not purged in time: " + dekStates(id));
            Thread.sleep(250);
        }
        assertFalse(Files.exists(index), "the index directory is gone");
        assertEquals(
                404, https.post("/v1/datasets/" + id + "/restore", key, "{}").statusCode());
        assertEquals(404, https.get("/v1/datasets/" + id, key).statusCode());
        ApplianceProcess.Result audit = ApplianceProcess.run(lab.home, lab.config, lab.env, "audit", "export");
        assertTrue(audit.output().contains("\"dataset.purged\""), audit.output());
    }
}
