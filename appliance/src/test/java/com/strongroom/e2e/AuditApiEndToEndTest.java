package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.auth.Role;
import com.strongroom.testing.ApplianceProcess;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GET /v1/audit over real TLS: filters by action, actor and time; the JSON-lines export with the
 * chain MACs, itself audited; refused without an unrestricted admin; and an organization never
 * reads another's entries.
 */
class AuditApiEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static LabAppliance lab;
    private static Https https;
    private static String owner;
    private static String other;
    private static String developer;
    private static String datasetId;

    @BeforeAll
    static void start() throws Exception {
        lab = LabAppliance.start(dir, "");
        other = lab.addOrganization("Globex");
        developer = lab.addApiKey(Role.DEVELOPER, Set.of("*"));
        https = lab.https();
        owner = lab.ownerKey();
        HttpResponse<String> created = https.post("/v1/datasets", owner, "{\"name\":\"Audited\"}");
        assertEquals(201, created.statusCode(), created.body());
        datasetId = JSON.readTree(created.body()).get("id").asText();
        assertEquals(
                201,
                https.post("/v1/datasets", other, "{\"name\":\"Globex only\"}").statusCode());
    }

    @AfterAll
    static void stop() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    private static JsonNode audit(String key, String query) throws Exception {
        HttpResponse<String> r = https.get("/v1/audit" + query, key);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void filtersByActionActorAndTime_newestFirst() throws Exception {
        JsonNode datasets = audit(owner, "?action=dataset.");
        assertEquals(1, datasets.get("total").asInt(), datasets.toString());
        JsonNode entry = datasets.get("items").get(0);
        assertEquals("dataset.created", entry.get("action").asText());
        assertEquals(datasetId, entry.get("target").asText());
        assertEquals("success", entry.get("outcome").asText());

        String actor = entry.get("actor").asText();
        JsonNode byActor = audit(owner, "?actor=" + actor);
        for (JsonNode e : byActor.get("items")) {
            assertEquals(actor, e.get("actor").asText());
        }
        assertEquals(0, audit(owner, "?actor=key_nobody").get("total").asInt());
        assertEquals(
                0,
                audit(owner, "?action=dataset.&since=" + Instant.now().plusSeconds(3600))
                        .get("total")
                        .asInt());
        assertEquals(
                1,
                audit(owner, "?action=dataset.created&until=" + Instant.now().plusSeconds(60))
                        .get("total")
                        .asInt());

        JsonNode all = audit(owner, "?limit=100");
        long previous = Long.MAX_VALUE;
        for (JsonNode e : all.get("items")) {
            assertTrue(e.get("seq").asLong() < previous, "newest first");
            previous = e.get("seq").asLong();
        }
    }

    @Test
    void anotherOrganization_readsNoneOfTheseEntries() throws Exception {
        Set<String> targets = new HashSet<>();
        audit(other, "?limit=100").get("items").forEach(e -> {
            targets.add(e.get("target").asText());
            assertFalse(e.get("organization_id").isTextual() && e.toString().contains(datasetId), e.toString());
        });
        assertFalse(targets.contains(datasetId));
        assertEquals(1, audit(other, "?action=dataset.created").get("total").asInt());
    }

    @Test
    void exportsJsonLinesWithMacs_andTheExportIsAudited() throws Exception {
        HttpResponse<String> r = https.get("/v1/audit?format=jsonl&action=dataset.created", owner);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Disposition").orElse("").contains("attachment"));
        var lines = r.body().strip().lines().toList();
        assertEquals(1, lines.size(), r.body());
        JsonNode line = JSON.readTree(lines.get(0));
        assertEquals(datasetId, line.get("target").asText());
        assertEquals(64, line.get("mac").asText().length(), "HMAC-SHA256 of the chain");
        JsonNode exported = audit(owner, "?action=audit.exported");
        assertEquals(
                "action dataset.created",
                exported.get("items").get(0).get("detail").asText());
    }

    @Test
    void entriesOfNoOrganization_thatNameThisOnesDataset_areTheOperatorsOnly() throws Exception {
        // a refused request belongs to no organization, yet its path names this one's dataset
        String guessed = "/v1/datasets/" + datasetId + "/documents";
        assertEquals(401, https.get(guessed, "sr_live_" + "q".repeat(43)).statusCode());
        for (JsonNode e : audit(other, "?limit=100").get("items")) {
            assertFalse(e.toString().contains(datasetId), "Globex reads " + e);
            assertTrue(e.get("organization_id").isTextual(), "Globex reads an appliance entry: " + e);
        }
        for (JsonNode e : audit(owner, "?limit=100").get("items")) {
            assertTrue(e.get("organization_id").isTextual(), "an owner reads an appliance entry: " + e);
        }
        JsonNode operator = audit(lab.operatorKey(), "?action=auth.failed");
        assertTrue(operator.toString().contains("GET " + guessed), operator.toString());
    }

    @Test
    void anOverLongField_isTruncatedWithAMarker_notLost_andTheChainVerifies() throws Exception {
        String longPath = "/v1/datasets/ds_" + "z".repeat(2000);
        assertEquals(401, https.get(longPath, "sr_live_" + "w".repeat(43)).statusCode());
        String target = null;
        for (JsonNode e :
                audit(lab.operatorKey(), "?action=auth.failed&limit=100").get("items")) {
            if (e.get("target").asText().startsWith("GET /v1/datasets/ds_zzz")) {
                target = e.get("target").asText();
            }
        }
        assertTrue(target != null, "the entry about the long path is kept");
        assertTrue(target.endsWith("…[truncated]"), target);
        assertTrue(target.length() <= 300, Integer.toString(target.length()));
        ApplianceProcess.Result verify = lab.cli("audit", "verify");
        assertEquals(0, verify.exitCode(), verify.output());
    }

    @Test
    void badFilters_are422_andOnlyUnrestrictedAdminsRead() throws Exception {
        HttpResponse<String> bad = https.get("/v1/audit?since=yesterday&format=xml", owner);
        assertEquals(422, bad.statusCode(), bad.body());
        Set<String> fields = new HashSet<>();
        JSON.readTree(bad.body())
                .get("details")
                .forEach(d -> fields.add(d.get("field").asText()));
        assertEquals(Set.of("since", "format"), fields);
        assertEquals(403, https.get("/v1/audit", developer).statusCode());
        assertEquals(401, https.get("/v1/audit", null).statusCode());
    }
}
