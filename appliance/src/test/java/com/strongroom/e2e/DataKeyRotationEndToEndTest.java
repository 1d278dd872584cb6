package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.index.EncryptedDirectory;
import com.strongroom.testing.ApplianceProcess;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import com.strongroom.testing.LabEmbeddingServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dataset's data key is rotated while the appliance serves; the background pass re-encrypts its
 * originals and index segments under the new version, survives a kill -9 in the middle, retires
 * the old version once nothing is under it, and only then may the operator destroy it; queries
 * and ingestion go on after the destruction and after a restart.
 */
class DataKeyRotationEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    // slow on purpose (the smallest rate allowed), so that the kill lands in the middle of the pass
    private static final String YAML = "keys:\n  reencryption-rate: 64KiB\n  reencryption-interval: 300ms\n"
            + "  retire-after: 0s\nbackup:\n  journal-interval: 1s\n  journal-local-retention: 0s\n";

    @TempDir
    Path dir;

    @Test
    void afterARotationNothingIsLeftUnderTheOldVersion_evenAcrossAKill_andOnlyThenItIsDestroyed() throws Exception {
        try (LabEmbeddingServer embeddings = new LabEmbeddingServer(); // vectors cheaply: the pass is what is tested
                LabAppliance lab = LabAppliance.startProcess(dir, YAML + embeddings.yaml())) {
            Https https = lab.https();
            String owner = lab.ownerKey();
            String ds = JSON.readTree(https.post("/v1/datasets", owner, "{\"name\":\"Contracts\"}")
                            .body())
                    .get("id")
                    .asText();
            String purpose = "dataset:" + ds;
            List<String> ids = new ArrayList<>();
            for (int round = 0; round < 4; round++) { // several commits: several segments
                List<String> batch = new ArrayList<>();
                for (int n = 0; n < 8; n++) {
                    int k = round * 8 + n;
                    HttpResponse<String> r = https.post(
                            "/v1/datasets/" + ds + "/documents",
                            owner,
                            JSON.writeValueAsString(Map.of("content", contract(k))));
                    assertEquals(202, r.statusCode(), r.body());
                    batch.add(JSON.readTree(r.body()).get("id").asText());
                }
                for (String id : batch) {
                    https.awaitDocumentReady(ds, id, owner);
                }
                ids.addAll(batch);
            }
            Path data = lab.home.resolve("data");
            assertFalse(filesUnder(data, 1).isEmpty(), "the index files are under v1 before the rotation");

            HttpResponse<String> rotated =
                    https.post("/v1/system/keys/rotate", lab.operatorKey(), "{\"dek_purpose\":\"" + purpose + "\"}");
            assertEquals(200, rotated.statusCode(), rotated.body());
            assertEquals(2, JSON.readTree(rotated.body()).path("version").asInt(), rotated.body());

            // still in use: refused, and nothing is destroyed
            ApplianceProcess.Result refused = lab.cli("keys", "destroy-version", purpose, "1");
            assertEquals(1, refused.exitCode(), refused.output());
            assertTrue(refused.output().contains("refusing to destroy " + purpose + " v1"), refused.output());
            assertEquals("enabled", dek(https, lab, purpose, 1).path("state").asText());

            Thread.sleep(1500); // the pass is under way: at 64 KiB/s it takes several seconds
            assertEquals(
                    "enabled",
                    dek(https, lab, purpose, 1).path("state").asText(),
                    "the pass finished before the kill; it must be killed in the middle");
            String before = lab.log();
            lab.kill();
            lab.restart();
            https = lab.https();

            JsonNode v1 = awaitState(https, lab, purpose, 1, "retired", Duration.ofSeconds(120));
            JsonNode inUse = v1.path("in_use");
            assertEquals(0, inUse.path("index_files").asInt(), v1.toString());
            assertEquals(0, inUse.path("originals").asInt(), v1.toString());
            assertEquals(0, inUse.path("journal_entries").asInt(), v1.toString());
            JsonNode v2 = dek(https, lab, purpose, 2);
            assertEquals(ids.size(), v2.path("in_use").path("originals").asInt(), v2.toString());
            assertEquals(List.of(), filesUnder(data, 1), "a file under the data directory still names v1");
            assertFalse(filesUnder(data, 2).isEmpty());

            ApplianceProcess.Result destroyed = lab.cli("keys", "destroy-version", purpose, "1");
            assertEquals(0, destroyed.exitCode(), destroyed.output());
            awaitState(https, lab, purpose, 1, "destroyed", Duration.ofSeconds(10));

            assertEquals(ids.get(17), topHit(https, owner, ds, "clause17"));

            // a suspected compromise of v2: rotate and re-encrypt at once, unthrottled
            ApplianceProcess.Result urgent = lab.cli("keys", "rotate-dek", "--purpose", purpose, "--reencrypt-now");
            assertEquals(0, urgent.exitCode(), urgent.output());
            assertTrue(urgent.output().contains(purpose + ": new primary version 3"), urgent.output());
            assertTrue(
                    urgent.output().contains("destroy with: keys destroy-version " + purpose + " 2"), urgent.output());
            assertEquals("retired", dek(https, lab, purpose, 2).path("state").asText());
            assertEquals(List.of(), filesUnder(data, 2), "a file under the data directory still names v2");
            ApplianceProcess.Result destroyed2 = lab.cli("keys", "destroy-version", purpose, "2");
            assertEquals(0, destroyed2.exitCode(), destroyed2.output());
            ApplianceProcess.Result notDataset = lab.cli("keys", "rotate-dek", "--purpose", "audit", "--reencrypt-now");
            assertEquals(2, notDataset.exitCode(), notDataset.output());
            assertEquals(1, dek(https, lab, "audit", 1).path("version").asInt()); // nothing rotated
            assertEquals("primary", dek(https, lab, "audit", 1).path("state").asText());

            // API keys: hashed again under the new version when next used; one never used holds the old one
            HttpResponse<String> spare = https.post("/v1/api-keys", owner, "{\"name\":\"spare\"}");
            assertEquals(201, spare.statusCode(), spare.body());
            String spareId = JSON.readTree(spare.body()).get("id").asText();
            HttpResponse<String> apikeys =
                    https.post("/v1/system/keys/rotate", lab.operatorKey(), "{\"dek_purpose\":\"apikeys\"}");
            assertEquals(200, apikeys.statusCode(), apikeys.body());
            assertEquals(200, https.get("/v1/datasets", owner).statusCode()); // owner and operator keys move
            // the owner and operator keys moved when used; the spare one, never used since, has not
            JsonNode apikeysV1 = awaitApiKeysUnder(https, lab, "apikeys", 1, 1, Duration.ofSeconds(30));
            assertEquals("enabled", apikeysV1.path("state").asText(), apikeysV1.toString());
            assertEquals(200, https.delete("/v1/api-keys/" + spareId, owner).statusCode());
            awaitState(https, lab, "apikeys", 1, "retired", Duration.ofSeconds(30));
            ApplianceProcess.Result apikeysDestroyed = lab.cli("keys", "destroy-version", "apikeys", "1");
            assertEquals(0, apikeysDestroyed.exitCode(), apikeysDestroyed.output());
            awaitState(https, lab, "apikeys", 1, "destroyed", Duration.ofSeconds(10));
            Thread.sleep(2500); // the appliance drops the destroyed key at its next probe (1 s)
            assertEquals(200, https.get("/v1/datasets", owner).statusCode(), "the owner key works without v1");

            // the metadata database: rotated, re-encrypted when it next opens, the old version retired
            HttpResponse<String> metadata =
                    https.post("/v1/system/keys/rotate", lab.operatorKey(), "{\"dek_purpose\":\"metadata\"}");
            assertEquals(200, metadata.statusCode(), metadata.body());
            Path marker = data.resolve("metadata.key-version");
            assertEquals("1", Files.readString(marker).trim(), "in use until the database opens again");

            lab.restart(); // opens every file again, without dataset v1 and v2, and the metadata under v2
            https = lab.https();
            assertEquals("2", Files.readString(marker).trim());
            assertTrue(lab.log().contains("metadata database re-encrypted from metadata v1 to v2"), lab.log());
            awaitState(https, lab, "metadata", 1, "retired", Duration.ofSeconds(30));
            ApplianceProcess.Result metadataDestroyed = lab.cli("keys", "destroy-version", "metadata", "1");
            assertEquals(0, metadataDestroyed.exitCode(), metadataDestroyed.output());
            lab.restart(); // the metadata database opens without v1
            https = lab.https();
            assertEquals(ids.get(17), topHit(https, owner, ds, "clause17"));
            for (String id : ids) {
                JsonNode doc = JSON.readTree(https.get("/v1/datasets/" + ds + "/documents/" + id, owner)
                        .body());
                assertEquals("ready", doc.path("status").asText(), doc.toString());
            }
            HttpResponse<String> after = https.post(
                    "/v1/datasets/" + ds + "/documents",
                    owner,
                    JSON.writeValueAsString(Map.of("content", contract(99))));
            assertEquals(202, after.statusCode(), after.body());
            https.awaitDocumentReady(ds, JSON.readTree(after.body()).get("id").asText(), owner);
            String log = lab.log();
            assertTrue(log.contains("retired: nothing is encrypted under it any more"), "no retirement logged");
            log.lines()
                    .filter(l -> l.contains("re-encrypted") || l.contains("retired"))
                    .forEach(l -> System.out.println((before.contains(l) ? "before the kill: " : "") + l));
        }
    }

    private static String contract(int k) {
        StringBuilder b = new StringBuilder("# Contract " + k + "\n\n");
        for (int p = 0; p < 40; p++) { // about 8 KB: the originals alone take seconds at 64 KiB/s
            b.append("Section ")
                    .append(p)
                    .append(" of contract ")
                    .append(k)
                    .append(" holds clause")
                    .append(k);
            b.append(": the supplier keeps the customer's records encrypted at rest, rotates the keys every year,")
                    .append(" and destroys the old ones once nothing is left under them.\n\n");
        }
        return b.toString();
    }

    private static String topHit(Https https, String key, String ds, String term) throws Exception {
        HttpResponse<String> r =
                https.post("/v1/datasets/" + ds + "/query", key, "{\"query\":\"" + term + "\",\"mode\":\"keyword\"}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode results = JSON.readTree(r.body()).path("results");
        assertTrue(results.size() > 0, r.body());
        return results.get(0).path("document_id").asText();
    }

    private static JsonNode dek(Https https, LabAppliance lab, String purpose, int version) throws Exception {
        HttpResponse<String> r = https.get("/v1/system/keys", lab.operatorKey());
        assertEquals(200, r.statusCode(), r.body());
        for (JsonNode d : JSON.readTree(r.body()).path("deks")) {
            if (d.path("purpose").asText().equals(purpose) && d.path("version").asInt() == version) {
                return d;
            }
        }
        throw new AssertionError("no " + purpose + " v" + version + " in " + r.body());
    }

    /** The entry once the pass has found {@code apiKeys} live API keys under the version. */
    private static JsonNode awaitApiKeysUnder(
            Https https, LabAppliance lab, String purpose, int version, int apiKeys, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        JsonNode d;
        do {
            d = dek(https, lab, purpose, version);
            if (d.path("in_use").path("api_keys").asInt(-1) == apiKeys) {
                return d;
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(purpose + " v" + version + " does not have " + apiKeys + " API keys under it: " + d);
    }

    private static JsonNode awaitState(
            Https https, LabAppliance lab, String purpose, int version, String state, Duration within)
            throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        JsonNode d;
        do {
            d = dek(https, lab, purpose, version);
            if (d.path("state").asText().equals(state)) {
                return d;
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(purpose + " v" + version + " not " + state + " within " + within + ": " + d);
    }

    /** Every file under {@code root} whose encrypted-file header names data-key version {@code version}. */
    private static List<Path> filesUnder(Path root, int version) throws Exception {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                OptionalInt v;
                try {
                    v = EncryptedDirectory.keyVersionOf(p);
                } catch (java.nio.file.NoSuchFileException e) {
                    continue;
                }
                if (v.isPresent() && v.getAsInt() == version) {
                    found.add(p);
                }
            }
        }
        return found;
    }
}
