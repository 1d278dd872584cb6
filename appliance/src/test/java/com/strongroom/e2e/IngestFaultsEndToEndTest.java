package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import com.strongroom.testing.LabEmbeddingServer;
import com.strongroom.testing.LabHsm;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults during ingestion, over real TLS against the running appliance, with its embedding
 * provider pointed at a real HTTP server this test starts, fails and stops: an outage, a sealed
 * appliance or one dataset's broken index leave documents processing and retried, never failed;
 * a document a fault did fail can be re-queued; and one organization's backlog does not hold back
 * another's document.
 */
class IngestFaultsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long the embedding provider is down; the case is 120 s. */
    private static final Duration OUTAGE =
            Duration.ofSeconds(Long.getLong("strongroom.test.embedding-outage-seconds", 10));

    /** The test polls documents often; request budgets are not what it is about. */
    private static final String NO_RATE_LIMITS =
            "server:\n  rate-limit-per-hour: 0\n  address-rate-limit-per-hour: 0\n";

    @TempDir
    static Path dir;

    private static LabEmbeddingServer embeddings;
    private static LabAppliance lab;
    private static Https https;
    private static String owner;
    private static String otherOrganization;

    @BeforeAll
    static void start() throws Exception {
        embeddings = new LabEmbeddingServer();
        lab = LabAppliance.start(
                dir,
                embeddings.yaml() + NO_RATE_LIMITS + "ingest:\n  retry-base-delay: 200ms\n  retry-max-delay: 1s\n");
        otherOrganization = lab.addOrganization("Beta");
        https = lab.https();
        owner = lab.ownerKey();
    }

    @AfterAll
    static void stop() throws Exception {
        if (lab != null) {
            lab.close();
        }
        if (embeddings != null) {
            embeddings.close();
        }
    }

    @AfterEach
    void providerBackToNormal() {
        embeddings.release();
        embeddings.latency(Duration.ZERO);
        embeddings.mode(LabEmbeddingServer.Mode.OK);
    }

    @Test
    void anEmbeddingOutageFailsNothing_documentsStayProcessingWithRetries_andBecomeReadyAfter() throws Exception {
        String ds = dataset(owner, "Outage");
        embeddings.mode(LabEmbeddingServer.Mode.UNAVAILABLE);
        int before = embeddings.requests();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(upload(owner, ds, "Outage notes number " + i + ": the vault opens at dawn."));
        }
        long end = System.nanoTime() + OUTAGE.toNanos();
        while (System.nanoTime() < end) {
            for (String id : ids) {
                assertEquals("processing", status(owner, ds, id), "during the outage: " + document(owner, ds, id));
            }
            Thread.sleep(500);
        }
        int tries = embeddings.requests() - before;
        assertTrue(tries >= 3, "the worker must keep retrying during the outage; it called " + tries + " times");
        assertTrue(lab.log().contains("deferred after a fault"), "the deferral is logged");

        embeddings.mode(LabEmbeddingServer.Mode.OK);
        for (String id : ids) {
            https.awaitDocumentReady(ds, id, owner);
        }
        JsonNode hits = JSON.readTree(
                https.post("/v1/datasets/" + ds + "/query", owner, "{\"query\":\"vault dawn\",\"mode\":\"keyword\"}")
                        .body());
        assertTrue(hits.path("results").size() > 0, hits.toString());
    }

    @Test
    void aSealedApplianceLeavesDocumentsProcessing_andTheyFinishAfterUnseal() throws Exception {
        String ds = dataset(owner, "Sealed");
        embeddings.hold(); // the worker takes the documents and waits on the provider
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(upload(owner, ds, "Sealed-period memo " + i + "."));
        }
        Path tokens = LabHsm.backupTokens(dir.resolve("token-backup"));
        LabHsm.deleteKekWithPkcs11Tool(lab.token(), "strongroom-kek");
        https.awaitStatus("/health/ready", null, 503, Duration.ofSeconds(15));
        embeddings.release(); // the round goes on while sealed: it must not fail its documents
        Thread.sleep(3000);
        LabHsm.restoreTokens(tokens);
        https.awaitStatus("/health/ready", null, 200, Duration.ofSeconds(15));
        for (String id : ids) {
            https.awaitDocumentReady(ds, id, owner);
        }
    }

    @Test
    void oneDatasetWithABrokenIndexDoesNotStopTheQueueForTheOthers() throws Exception {
        String broken = dataset(owner, "Broken index");
        String healthy = dataset(owner, "Healthy");
        https.awaitDocumentReady(broken, upload(owner, broken, "Before the disk fault."), owner);

        embeddings.hold(); // line both documents up in one round
        String stuck = upload(owner, broken, "Written after the disk fault.");
        String fine = upload(owner, healthy, "A healthy dataset's document.");
        deleteTree(lab.home.resolve("data/indexes").resolve(broken)); // the dataset's index files are gone
        embeddings.release();

        https.awaitDocumentReady(healthy, fine, owner);
        https.awaitDocumentReady(healthy, upload(owner, healthy, "And the next one."), owner);
        for (int i = 0; i < 6; i++) {
            assertEquals(
                    "processing",
                    status(owner, broken, stuck),
                    document(owner, broken, stuck).toString());
            Thread.sleep(500);
        }
    }

    @Test
    void retry_requeuesADocumentAFaultFailed_andRefusesOthersWith409() throws Exception {
        String ds = dataset(owner, "Retry");
        embeddings.mode(LabEmbeddingServer.Mode.WRONG_DIMENSIONS); // a provider set up wrongly
        String faulted = upload(owner, ds, "Filed while the provider was misconfigured.");
        JsonNode failed = awaitFailed(owner, ds, faulted);
        assertTrue(failed.path("failure_reason").asText().contains("embedding provider"), failed.toString());
        HttpResponse<String> blank = https.upload(
                "/v1/datasets/" + ds + "/documents", owner, "blank.txt", "text/plain", " \n \t \n".getBytes(), null);
        assertEquals(202, blank.statusCode(), blank.body());
        String empty = JSON.readTree(blank.body()).get("id").asText();
        awaitFailed(owner, ds, empty);

        embeddings.mode(LabEmbeddingServer.Mode.OK); // fixed
        HttpResponse<String> retried = https.post(retryPath(ds, faulted), owner, "{}");
        assertEquals(202, retried.statusCode(), retried.body());
        assertEquals("processing", JSON.readTree(retried.body()).path("status").asText(), retried.body());
        https.awaitDocumentReady(ds, faulted, owner);

        conflict(https.post(retryPath(ds, faulted), owner, "{}"), "ready");
        conflict(https.post(retryPath(ds, empty), owner, "{}"), "content");
        embeddings.hold();
        String queued = upload(owner, ds, "Still in the queue.");
        conflict(https.post(retryPath(ds, queued), owner, "{}"), "processing");
        embeddings.release();
        https.awaitDocumentReady(ds, queued, owner);
        assertEquals(
                404,
                https.post(retryPath(ds, "doc_nosuchdocument"), owner, "{}").statusCode());
        // another organization cannot re-queue it
        assertEquals(
                404, https.post(retryPath(ds, faulted), otherOrganization, "{}").statusCode());
    }

    @Test
    void aSmallDocumentOfOneOrganizationIsReadyBeforeAnotherOrganizationsBacklogDrains() throws Exception {
        String big = dataset(owner, "Backlog");
        String small = dataset(otherOrganization, "Small");
        embeddings.hold(); // the backlog is queued before the worker gets anywhere
        String page = "Quarterly ledger line with figures and remarks. ".repeat(2000); // ~100 KB
        List<String> backlog = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            backlog.add(upload(owner, big, i + " " + page));
        }
        String mine = upload(otherOrganization, small, "One small note.");
        embeddings.release();

        https.awaitDocumentReady(small, mine, otherOrganization);
        Instant smallReady = Instant.parse(
                document(otherOrganization, small, mine).path("updated_at").asText());
        int readyLater = 0;
        for (String id : backlog) {
            https.awaitDocumentReady(big, id, owner);
            if (Instant.parse(document(owner, big, id).path("updated_at").asText())
                    .isAfter(smallReady)) {
                readyLater++;
            }
        }
        System.out.println(readyLater + " of the backlog's 40 documents became ready after the small one");
        // one round holds at most 16 documents: with fair turns the small one goes in the second
        assertTrue(readyLater >= 40 - 2 * 16, readyLater + " of the backlog finished after the small document");
    }

    @Test
    void aLargeDocumentBeingEmbeddedDoesNotHoldBackAnotherOrganizationsSmallOne() throws Exception {
        String big = dataset(owner, "Large");
        String small = dataset(otherOrganization, "Quick");
        embeddings.latency(Duration.ofMillis(100));
        int before = embeddings.requests();
        // about 1,500 chunks: embedded a slice per round, one round after another
        String large = upload(owner, big, "Clause with terms and remarks for the record. ".repeat(32_000));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (embeddings.requests() == before && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(embeddings.requests() > before, "the large document's embedding never started");
        String mine = upload(otherOrganization, small, "A short note filed meanwhile.");

        https.awaitDocumentReady(small, mine, otherOrganization);
        Instant smallReady = Instant.parse(
                document(otherOrganization, small, mine).path("updated_at").asText());
        https.awaitDocumentReady(big, large, owner);
        JsonNode largeDoc = document(owner, big, large);
        assertTrue(largeDoc.path("chunks_created").asInt() > 1000, largeDoc.toString());
        assertTrue(
                Instant.parse(largeDoc.path("updated_at").asText()).isAfter(smallReady),
                "the small document waited for the large one: " + largeDoc + " vs ready at " + smallReady);
    }

    private static String retryPath(String ds, String id) {
        return "/v1/datasets/" + ds + "/documents/" + id + "/retry";
    }

    private static void conflict(HttpResponse<String> r, String says) throws Exception {
        assertEquals(409, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body());
        assertEquals("document_not_retryable", e.path("error").asText(), r.body());
        assertTrue(e.path("message").asText().endsWith("."), r.body());
        assertTrue(e.path("message").asText().contains(says), r.body());
        assertTrue(e.has("details") && e.path("request_id").asText().startsWith("req_"), r.body());
    }

    private static String dataset(String key, String name) throws Exception {
        HttpResponse<String> r = https.post("/v1/datasets", key, JSON.writeValueAsString(Map.of("name", name)));
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    private static String upload(String key, String ds, String text) throws Exception {
        HttpResponse<String> r =
                https.post("/v1/datasets/" + ds + "/documents", key, JSON.writeValueAsString(Map.of("content", text)));
        assertEquals(202, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    private static JsonNode document(String key, String ds, String id) throws Exception {
        HttpResponse<String> r = https.get("/v1/datasets/" + ds + "/documents/" + id, key);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static String status(String key, String ds, String id) throws Exception {
        return document(key, ds, id).path("status").asText();
    }

    private static JsonNode awaitFailed(String key, String ds, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode d = document(key, ds, id);
            if (d.path("status").asText().equals("failed")) {
                return d;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("document " + id + " did not fail: " + document(key, ds, id));
    }

    private static void deleteTree(Path root) throws Exception {
        assertTrue(Files.isDirectory(root), root + " is the dataset's index");
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
