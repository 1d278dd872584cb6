package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.testing.ApplianceProcess;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of a snapshot, and again while the journal is being shipped under a burst
 * of uploads: after the restart the next snapshot completes, `backup verify` passes, and a restore
 * of "now" holds every document that was accepted with 202.
 */
class BackupCrashEndToEndTest {
    @TempDir
    Path dir;

    @Test
    void killDuringSnapshotAndShipping_losesNoAcceptedDocument() throws Exception {
        Path backups = dir.resolve("backups");
        String yaml = "backup:\n  journal-interval: 200ms\n  targets:\n    - name: local\n"
                + "      type: directory\n      path: " + backups + "\n";
        Files.createDirectories(dir.resolve("live"));
        try (LabAppliance lab = LabAppliance.startProcess(dir.resolve("live"), yaml)) {
            Https https = lab.https();
            String key = lab.ownerKey();
            String ds = BackupTesting.id(https.post("/v1/datasets", key, "{\"name\":\"Ledger\"}"));
            List<String> accepted = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                accepted.add(BackupTesting.upload(https, key, ds, entry(i)));
            }
            https.awaitDocumentReady(ds, accepted.get(accepted.size() - 1), key);

            // 1. Killed while a snapshot runs: the log line that starts it is the trigger.
            int logLength = lab.log().length();
            CompletableFuture<ApplianceProcess.Result> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return lab.cli("backup", "run");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!lab.log().substring(logLength).contains("backup: snapshot snap_")) {
                assertTrue(System.nanoTime() < deadline, "no snapshot started:\n" + lab.log());
                Thread.sleep(5);
            }
            lab.kill();
            String afterKill = lab.log().substring(logLength);
            boolean midway = !afterKill.contains(" written: ");
            System.out.println("killed during the snapshot: " + midway);
            run.get(); // the CLI gives up or reports; either way it ends
            lab.restart();
            https = lab.https();

            // 2. Killed while uploads are shipped every 200 ms.
            for (int i = 20; i < 40; i++) {
                accepted.add(BackupTesting.upload(https, key, ds, entry(i)));
            }
            Thread.sleep(150);
            lab.kill();
            lab.restart();
            https = lab.https();
            for (int i = 40; i < 45; i++) {
                accepted.add(BackupTesting.upload(https, key, ds, entry(i)));
            }

            ApplianceProcess.Result again = lab.cli("backup", "run");
            assertEquals(0, again.exitCode(), again.output());
            BackupTesting.awaitShipped(https, lab.operatorKey());
            ApplianceProcess.Result verify = lab.cli("backup", "verify");
            assertEquals(0, verify.exitCode(), verify.output());

            Path restored = dir.resolve("restored-now");
            ApplianceProcess.Result restore = lab.cli("restore", "--into", restored.toString());
            assertEquals(0, restore.exitCode(), restore.output());
            try (BackupTesting.Served r = BackupTesting.serve(lab, restored, dir)) {
                for (String id : accepted) {
                    assertEquals(
                            200,
                            r.https()
                                    .get("/v1/datasets/" + ds + "/documents/" + id, key)
                                    .statusCode(),
                            "document " + id + " was accepted with 202 before a kill and is missing after restore");
                }
                r.https().awaitDocumentReady(ds, accepted.get(accepted.size() - 1), key);
                assertTrue(BackupTesting.finds(r.https(), key, ds, "entry44 ledger"));
            }
        }
    }

    private static String entry(int i) {
        return "Ledger entry" + i + ": the shipment of " + (i * 7 % 13) + " crates was recorded as entry" + i
                + " by the harbour office.";
    }
}
