package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.Map;

/** What the backup end-to-end tests share: serving a restored home, waiting for shipping, queries. */
final class BackupTesting {
    static final ObjectMapper JSON = new ObjectMapper();

    private BackupTesting() {}

    /** A restored home served by its own appliance process (stopped by PID on close). */
    record Served(ApplianceProcess process, Https https) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            process.close();
        }
    }

    static Served serve(LabAppliance lab, Path home, Path logDir) throws Exception {
        int port = LabAppliance.freeTcpPort();
        ApplianceProcess p = lab.serveOther(home, "", port, logDir.resolve(home.getFileName() + ".log"));
        Path cert = home.resolve("tls/server.crt");
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!Files.exists(cert)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.close();
                throw new AssertionError("restored appliance did not start:\n" + p.output());
            }
            Thread.sleep(200);
        }
        Https https = new Https(cert, port);
        try {
            https.awaitStatus("/health/ready", null, 200, Duration.ofSeconds(90));
        } catch (AssertionError e) {
            p.close();
            throw new AssertionError(e.getMessage() + "\n" + p.output());
        }
        return new Served(p, https);
    }

    /** Waits until every change made before this call is on every target (journal lag 0). */
    static void awaitShipped(Https https, String operatorKey) throws Exception {
        Instant after = Instant.now();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode s =
                    JSON.readTree(https.get("/v1/system/backups", operatorKey).body());
            boolean all = s.path("journal_lag_seconds").asDouble(1) == 0;
            for (JsonNode target : s.path("targets")) {
                String shipped = target.path("last_journal_shipped_at").asText(null);
                all &= shipped != null && Instant.parse(shipped).isAfter(after);
            }
            if (all) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("journal not shipped within 60 s: " + s);
            }
            Thread.sleep(200);
        }
    }

    static boolean finds(Https https, String key, String ds, String query) throws Exception {
        HttpResponse<String> r = https.post(
                "/v1/datasets/" + ds + "/query",
                key,
                JSON.writeValueAsString(Map.of("query", query, "mode", "keyword", "limit", 5)));
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).path("results").size() > 0;
    }

    static String upload(Https https, String key, String ds, String text) throws Exception {
        HttpResponse<String> r =
                https.post("/v1/datasets/" + ds + "/documents", key, JSON.writeValueAsString(Map.of("content", text)));
        assertEquals(202, r.statusCode(), r.body());
        return id(r);
    }

    static String id(HttpResponse<String> r) throws Exception {
        assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    static String directoryTarget(Path backups, String extra) {
        return "backup:\n  journal-interval: 1s\n" + extra + "  targets:\n    - name: local\n      type: directory\n"
                + "      path: " + backups + "\n";
    }
}
