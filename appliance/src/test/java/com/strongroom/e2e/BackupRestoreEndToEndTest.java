package com.strongroom.e2e;

import static com.strongroom.e2e.BackupTesting.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.strongroom.testing.ApplianceProcess;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import com.strongroom.testing.LabS3;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups end to end, through the CLI and served appliances, to two targets: a directory and a
 * real S3 server (S3Mock over HTTPS, its certificate trusted as a customer CA).
 *
 * <ul>
 *   <li>point in time: ingest A, note T, ingest B, delete A; a restore at T (from S3) has A and not
 *       B, a restore of "now" (from the directory) has B and not A;
 *   <li>shredding: a dataset purged after T, once the shred window passed, has no wrapped key left
 *       at any target, and the restore at T reports it shredded while the others answer;
 *   <li>the DR drill passes and reports RPO and RTO;
 *   <li>a byte flipped at the target is named by {@code backup verify} and refused by {@code restore}.
 * </ul>
 */
class BackupRestoreEndToEndTest {
    @TempDir
    Path dir;

    @Test
    void pointInTime_shredding_drill_andTamper() throws Exception {
        Path backups = dir.resolve("backups");
        Files.createDirectories(dir.resolve("live"));
        try (LabS3 s3 = LabS3.start(dir.resolve("s3"))) {
            String yaml = "backup:\n  journal-interval: 1s\n  shred-window: 0s\n  targets:\n"
                    + "    - name: local\n      type: directory\n      path: " + backups + "\n"
                    + "    - name: s3\n      type: s3\n      endpoint: " + s3.httpsEndpoint() + "\n"
                    + "      bucket: " + s3.bucket() + "\n      prefix: appliance/\n"
                    + "      ca-file: " + s3.certificatePem() + "\n"
                    + "      access-key-id-file: " + s3.accessKeyIdFile() + "\n"
                    + "      secret-access-key-file: " + s3.secretAccessKeyFile() + "\n"
                    + "retention:\n  soft-deleted-datasets: 2s\n  purge-interval: 1s\n";
            try (LabAppliance lab = LabAppliance.start(dir.resolve("live"), yaml)) {
                scenario(lab, backups);
                String log = lab.log();
                assertFalse(
                        log.contains(Files.readString(s3.secretAccessKeyFile()).trim()), "no secret in the log");
            }
        }
    }

    private void scenario(LabAppliance lab, Path backups) throws Exception {
        Https https = lab.https();
        String key = lab.ownerKey();
        String ds = BackupTesting.id(https.post("/v1/datasets", key, "{\"name\":\"Field notes\"}"));
        String doomed = BackupTesting.id(https.post("/v1/datasets", key, "{\"name\":\"Doomed\"}"));
        String a = BackupTesting.upload(https, key, ds, "Aurora borealis sightings over the northern fjord in March.");
        String x = BackupTesting.upload(https, key, doomed, "Xenon lamps in the old lighthouse were replaced.");
        https.awaitDocumentReady(ds, a, key);
        https.awaitDocumentReady(doomed, x, key);

        ApplianceProcess.Result run = lab.cli("backup", "run");
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("\"snapshot\""), run.output());
        BackupTesting.awaitShipped(https, lab.operatorKey());
        Instant t = Instant.now();
        Thread.sleep(1200);

        String b = BackupTesting.upload(https, key, ds, "Basalt columns along the volcanic coastline in June.");
        https.awaitDocumentReady(ds, b, key);
        assertEquals(
                200, https.delete("/v1/datasets/" + ds + "/documents/" + a, key).statusCode());
        assertEquals(200, https.delete("/v1/datasets/" + doomed, key).statusCode());
        awaitDestroyed(https, lab.operatorKey(), "dataset:" + doomed);
        BackupTesting.awaitShipped(https, lab.operatorKey());

        JsonNode status =
                JSON.readTree(https.get("/v1/system/backups", lab.operatorKey()).body());
        for (JsonNode target : status.path("targets")) {
            assertEquals("ok", target.path("state").asText(), status.toString());
        }
        assertEquals(2, status.path("targets").size(), status.toString());

        // No wrapped copy of the purged dataset's key is left at the directory target.
        List<Path> manifests;
        try (Stream<Path> files = Files.list(backups.resolve("keys"))) {
            manifests = files.filter(p -> p.toString().endsWith(".json")).toList();
        }
        assertEquals(1, manifests.size(), "superseded key manifests are gone after the window: " + manifests);
        String manifest = Files.readString(manifests.get(0), StandardCharsets.UTF_8);
        JsonNode keys = JSON.readTree(manifest.substring(manifest.indexOf('\n') + 1));
        int seen = 0;
        for (JsonNode d : keys.path("deks")) {
            if (d.path("purpose").asText().equals("dataset:" + doomed)) {
                seen++;
                assertEquals("DESTROYED", d.path("state").asText());
                assertFalse(d.has("wrapped"), d.toString());
            }
        }
        assertEquals(1, seen, keys.toString());

        Path atT = dir.resolve("restored-at-t");
        ApplianceProcess.Result restore =
                lab.cli("restore", "--target", "s3", "--into", atT.toString(), "--at", t.toString());
        assertEquals(0, restore.exitCode(), restore.output());
        JsonNode report =
                JSON.readTree(restore.output().substring(restore.output().indexOf('{')));
        assertEquals(
                List.of(doomed), JSON.convertValue(report.path("shredded_datasets"), List.class), report.toString());
        assertFalse(Files.exists(atT.resolve("data/indexes").resolve(doomed)), "a shredded index is not restored");
        try (BackupTesting.Served r = BackupTesting.serve(lab, atT, dir)) {
            assertTrue(BackupTesting.finds(r.https(), key, ds, "aurora fjord"), "A existed at T");
            assertFalse(BackupTesting.finds(r.https(), key, ds, "basalt coastline"), "B came after T");
            assertEquals(
                    200,
                    r.https().get("/v1/datasets/" + ds + "/documents/" + a, key).statusCode());
            assertEquals(
                    404,
                    r.https().get("/v1/datasets/" + ds + "/documents/" + b, key).statusCode());
            assertEquals(404, r.https().get("/v1/datasets/" + doomed, key).statusCode(), "shredded, not resurrected");
        }

        Path now = dir.resolve("restored-now");
        restore = lab.cli("restore", "--into", now.toString());
        assertEquals(0, restore.exitCode(), restore.output());
        try (BackupTesting.Served r = BackupTesting.serve(lab, now, dir)) {
            assertFalse(BackupTesting.finds(r.https(), key, ds, "aurora fjord"), "A was deleted");
            assertTrue(BackupTesting.finds(r.https(), key, ds, "basalt coastline"), "B is the latest state");
        }

        ApplianceProcess.Result drill = lab.cli("dr", "drill");
        assertEquals(0, drill.exitCode(), drill.output());
        JsonNode d = JSON.readTree(drill.output().substring(drill.output().indexOf('{')));
        assertTrue(d.path("passed").asBoolean(), d.toString());
        assertTrue(d.path("rto_seconds").asDouble() > 0, d.toString());
        assertTrue(d.has("rpo_seconds"), d.toString());
        assertEquals(1, d.path("datasets").size(), d.toString());
        assertTrue(d.path("datasets").get(0).path("match").asBoolean(), d.toString());
        assertFalse(Files.exists(Path.of(d.path("scratch_home").asText())), "the scratch home is removed");
        assertTrue(
                https.get("/v1/audit?action=dr.drill", lab.operatorKey()).body().contains("dr.drill"));

        for (String target : List.of("local", "s3")) {
            ApplianceProcess.Result verify = lab.cli("backup", "verify", "--target", target);
            assertEquals(0, verify.exitCode(), verify.output());
            assertTrue(verify.output().contains("\"ok\" : true"), verify.output());
        }
        ApplianceProcess.Result list = lab.cli("backup", "list");
        assertEquals(0, list.exitCode(), list.output());
        assertTrue(list.output().contains("\"restorable\""), list.output());

        ApplianceProcess.Result refused = lab.cli("restore", "--into", now.toString());
        assertEquals(1, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains("is not empty"), refused.output());

        Path victim = largestObject(backups.resolve("objects"));
        byte[] bytes = Files.readAllBytes(victim);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(victim, bytes);
        String objectName = "objects/" + backups.resolve("objects").relativize(victim);

        ApplianceProcess.Result verify = lab.cli("backup", "verify");
        assertEquals(3, verify.exitCode(), verify.output());
        assertTrue(verify.output().contains(objectName), "verify names " + objectName + ":\n" + verify.output());

        Path tampered = dir.resolve("restored-tampered");
        restore = lab.cli("restore", "--into", tampered.toString());
        assertEquals(3, restore.exitCode(), restore.output());
        assertTrue(restore.output().contains(objectName), restore.output());
        assertFalse(Files.exists(tampered), "nothing half-restored is left");
    }

    private static void awaitDestroyed(Https https, String key, String purpose) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode status = JSON.readTree(https.get("/v1/system/keys", key).body());
            for (JsonNode dek : status.path("deks")) {
                if (dek.path("purpose").asText().equals(purpose)
                        && dek.path("state").asText().equals("destroyed")) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(purpose + " not destroyed within 60 s: " + status);
            }
            Thread.sleep(250);
        }
    }

    private static Path largestObject(Path objects) throws Exception {
        try (Stream<Path> files = Files.walk(objects)) {
            return files.filter(Files::isRegularFile)
                    .max(java.util.Comparator.comparingLong(p -> p.toFile().length()))
                    .orElseThrow();
        }
    }
}
