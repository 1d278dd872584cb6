package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two organizations on one appliance, over real TLS: a key of one sees, changes and deletes
 * nothing of the other, for every dataset, document, query and webhook endpoint, and the other's
 * data is intact afterwards.
 */
class CrossOrganizationEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MARKER = "zanzibarquokka";

    @TempDir
    static Path dir;

    private static LabAppliance lab;
    private static Https https;
    private static String acme;
    private static String globex;
    private static String datasetId;
    private static String documentId;
    private static String webhookId;

    @BeforeAll
    static void start() throws Exception {
        lab = LabAppliance.start(dir, "");
        globex = lab.addOrganization("Globex");
        https = lab.https();
        acme = lab.ownerKey();

        datasetId = body(201, https.post("/v1/datasets", acme, "{\"name\":\"Acme secrets\"}"))
                .get("id")
                .asText();
        documentId = body(
                        202,
                        https.post(
                                "/v1/datasets/" + datasetId + "/documents",
                                acme,
                                "{\"content\":\"The vault code word is " + MARKER + ".\"}"))
                .get("id")
                .asText();
        https.awaitDocumentReady(datasetId, documentId, acme);
        webhookId = body(
                        201,
                        https.post(
                                "/v1/webhooks",
                                acme,
                                "{\"url\":\"https://hooks.example.invalid/acme\",\"events\":[\"dataset.updated\"]}"))
                .get("id")
                .asText();
    }

    @AfterAll
    static void stop() throws Exception {
        lab.close();
    }

    private static JsonNode body(int status, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.request().method() + " " + r.uri() + ": " + r.body());
        return r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
    }

    private static void notFound(String code, HttpResponse<String> r) throws Exception {
        JsonNode error = body(404, r);
        assertEquals(code, error.get("error").asText(), r.body());
        assertTrue(!r.body().contains(MARKER), r.body());
    }

    @Test
    void anotherOrganization_seesNothing_changesNothing() throws Exception {
        String ds = "/v1/datasets/" + datasetId;
        String doc = ds + "/documents/" + documentId;

        JsonNode list = body(200, https.get("/v1/datasets", globex));
        assertEquals(0, list.get("total").asInt(), list.toString());
        assertEquals(
                0, body(200, https.get("/v1/webhooks", globex)).get("items").size());

        notFound("dataset_not_found", https.get(ds, globex));
        notFound("dataset_not_found", https.patch(ds, globex, "{\"description\":\"pwned\"}"));
        notFound("dataset_not_found", https.post(ds + "/query", globex, "{\"query\":\"vault code word\"}"));
        notFound("dataset_not_found", https.get(ds + "/documents", globex));
        notFound("dataset_not_found", https.get(doc, globex));
        notFound("dataset_not_found", https.post(ds + "/documents", globex, "{\"content\":\"planted\"}"));
        notFound("dataset_not_found", https.delete(doc, globex));
        notFound("dataset_not_found", https.delete(ds, globex));
        notFound("dataset_not_found", https.post(ds + "/restore", globex, "{}"));
        assertEquals(404, https.get("/v1/webhooks/" + webhookId, globex).statusCode());
        assertEquals(404, https.delete("/v1/webhooks/" + webhookId, globex).statusCode());

        // a dataset of the same name in the other organization is allowed and stays separate
        String theirs = body(201, https.post("/v1/datasets", globex, "{\"name\":\"Acme secrets\"}"))
                .get("id")
                .asText();
        JsonNode theirResults =
                body(200, https.post("/v1/datasets/" + theirs + "/query", globex, "{\"query\":\"vault code word\"}"));
        assertEquals(0, theirResults.get("results").size(), theirResults.toString());

        // and the owner's data is all still there
        JsonNode mine = body(200, https.get(ds, acme));
        assertEquals("Acme secrets", mine.get("name").asText());
        assertTrue(!mine.toString().contains("pwned"), mine.toString());
        assertEquals(
                1, body(200, https.get(ds + "/documents", acme)).get("total").asInt());
        assertEquals("ready", body(200, https.get(doc, acme)).get("status").asText());
        JsonNode results = body(200, https.post(ds + "/query", acme, "{\"query\":\"vault code word\"}"));
        assertTrue(results.get("results").get(0).get("content").asText().contains(MARKER), results.toString());
        assertEquals(
                webhookId,
                body(200, https.get("/v1/webhooks/" + webhookId, acme))
                        .get("id")
                        .asText());
        assertEquals(1, body(200, https.get("/v1/datasets", acme)).get("total").asInt());
    }
}
