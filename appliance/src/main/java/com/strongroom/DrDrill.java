package com.strongroom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.audit.AuditEvent;
import com.strongroom.audit.AuditLog;
import com.strongroom.auth.ApiKeys;
import com.strongroom.auth.Role;
import com.strongroom.backup.BackupService;
import com.strongroom.backup.BackupTarget;
import com.strongroom.backup.Restorer;
import com.strongroom.config.StrongroomConfig;
import com.strongroom.search.DatasetIndex;
import com.strongroom.search.DatasetIndexes;
import com.strongroom.search.SearchHit;
import com.strongroom.search.SearchMode;
import com.strongroom.search.SearchRequest;
import com.strongroom.store.MetadataStore;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * {@code dr drill}, run by the live appliance: restores the newest point of a target into a
 * scratch home, starts a second appliance there (free port, same HSM, no backups of its own),
 * asks it over HTTPS the check query of every live dataset (a passage of one of its chunks, as a
 * keyword query) and compares the top results with its own index, then stops it, removes the
 * scratch home, and audits the report. RPO is the age of the newest change the restored copy
 * holds; RTO the seconds from the start of the restore until the copy answered ready.
 */
final class DrDrill {
    private static final Logger LOG = Logger.getLogger(DrDrill.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHECK_LIMIT = 5;

    private final StrongroomConfig config;
    private final BackupService backups;
    private final MetadataStore metadata;
    private final DatasetIndexes indexes;
    private final AuditLog audit;

    DrDrill(
            StrongroomConfig config,
            BackupService backups,
            MetadataStore metadata,
            DatasetIndexes indexes,
            AuditLog audit) {
        this.config = config;
        this.backups = backups;
        this.metadata = metadata;
        this.indexes = indexes;
        this.audit = audit;
    }

    /** Runs the drill against target {@code targetName} (null = the first); returns the JSON report. */
    String run(String targetName) {
        Instant started = Instant.now();
        Path scratch = config.home().resolve("backup").resolve("drill-" + started.toEpochMilli());
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("started_at", started.toString());
        report.put("scratch_home", scratch.toString());
        boolean passed = false;
        try {
            BackupTarget target = backups.target(targetName);
            report.put("target", target.name());
            double lag = backups.journalLagSeconds();
            Map<String, String> keysByOrganization = new LinkedHashMap<>();
            long t0 = System.nanoTime();
            Restorer.Report restored = new Restorer(OperatorStores.hsmSettings(config), Clock.systemUTC())
                    .restore(target, scratch, null, (m, k) -> prepareCopy(m, k, keysByOrganization));
            report.put("restore", restored.toMap());
            report.put("objects_verified", restored.objectsVerified());
            report.put("rpo_seconds", seconds(Duration.between(restored.restoredTo(), started)));
            report.put("journal_lag_seconds", lag);
            try (Appliance copy = Appliance.start(config.forScratchHome(scratch))) {
                HttpClient client = client(scratch.resolve("tls").resolve("server.crt"));
                String base = "https://127.0.0.1:" + copy.httpsPort();
                awaitReady(client, base);
                report.put("rto_seconds", seconds(Duration.ofNanos(System.nanoTime() - t0)));
                List<Map<String, Object>> checks = compare(client, base, keysByOrganization);
                report.put("datasets", checks);
                passed = checks.stream().allMatch(c -> Boolean.TRUE.equals(c.get("match")));
            }
        } catch (Exception e) {
            report.put("error", e.getMessage() != null ? e.getMessage() : e.toString());
            LOG.warning("dr drill failed: " + report.get("error"));
        } finally {
            Restorer.deleteTree(scratch);
        }
        report.put("passed", passed);
        report.put("finished_at", Instant.now().toString());
        audit.record(AuditEvent.system(
                "dr.drill",
                "target:" + report.getOrDefault("target", targetName),
                passed ? AuditEvent.Outcome.SUCCESS : AuditEvent.Outcome.FAILURE,
                "rpo " + report.get("rpo_seconds") + " s, rto " + report.get("rto_seconds") + " s"
                        + (report.containsKey("error") ? ", " + report.get("error") : "")));
        try {
            return JSON.writeValueAsString(report);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * In the copy only: one short-lived owner key per organization that has datasets, and no
     * webhook deliveries left pending, so a drill never calls a customer's endpoint twice.
     */
    private static void prepareCopy(MetadataStore m, com.strongroom.keys.KeyManager k, Map<String, String> out)
            throws Exception {
        try (Connection c = m.db().connection();
                PreparedStatement ps = c.prepareStatement("UPDATE webhook_delivery SET status = 'FAILED',"
                        + " last_error = 'not sent: DR drill copy' WHERE status = 'PENDING'")) {
            ps.executeUpdate();
        }
        ApiKeys keys = new ApiKeys(m, k);
        try (Connection c = m.db().connection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT DISTINCT organization_id FROM dataset WHERE purged_at IS NULL");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(
                        rs.getString(1),
                        keys.create(
                                        rs.getString(1),
                                        "dr drill",
                                        Role.OWNER,
                                        Set.of("*"),
                                        false,
                                        OffsetDateTime.now(ZoneOffset.UTC).plusHours(1),
                                        "system")
                                .secret());
            }
        }
    }

    private List<Map<String, Object>> compare(HttpClient client, String base, Map<String, String> keys)
            throws Exception {
        List<Map<String, Object>> checks = new ArrayList<>();
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT id, organization_id FROM dataset WHERE deleted_at IS NULL ORDER BY id");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString(1);
                Map<String, Object> check = new LinkedHashMap<>();
                check.put("dataset_id", id);
                String key = keys.get(rs.getString(2));
                DatasetIndex live = indexes.get(id);
                String query = live.sampleText().map(DrDrill::passage).orElse(null);
                if (key == null) {
                    check.put("match", false);
                    check.put("problem", "the dataset is not in the restored copy");
                } else if (query == null) {
                    HttpResponse<String> r = send(client, base + "/v1/datasets/" + id, key, null);
                    check.put("match", r.statusCode() == 200);
                    check.put("problem", r.statusCode() == 200 ? null : "the copy answered " + r.statusCode());
                } else {
                    List<String> expected = new ArrayList<>();
                    for (SearchHit h : live.search(SearchRequest.of(query, SearchMode.KEYWORD, CHECK_LIMIT), null)) {
                        expected.add(h.chunkId());
                    }
                    String body =
                            JSON.writeValueAsString(Map.of("query", query, "mode", "keyword", "limit", CHECK_LIMIT));
                    HttpResponse<String> r = send(client, base + "/v1/datasets/" + id + "/query", key, body);
                    List<String> got = new ArrayList<>();
                    if (r.statusCode() == 200) {
                        for (JsonNode hit : JSON.readTree(r.body()).path("results")) {
                            got.add(hit.path("chunk_id").asText());
                        }
                    }
                    check.put("match", r.statusCode() == 200 && got.equals(expected));
                    check.put("results", got.size());
                    if (!got.equals(expected)) {
                        check.put(
                                "problem",
                                r.statusCode() != 200
                                        ? "the copy answered " + r.statusCode()
                                        : "the copy ranked other chunks (changed since the newest shipped journal entry?)");
                    }
                }
                checks.add(check);
            }
        }
        return checks;
    }

    /** The first dozen words: specific enough to find its chunk, no chunk text in the report. */
    private static String passage(String text) {
        String[] words = text.trim().split("\\s+");
        return String.join(" ", java.util.Arrays.copyOf(words, Math.min(words.length, 12)));
    }

    private static HttpResponse<String> send(HttpClient client, String url, String key, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key);
        if (json != null) {
            b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitReady(HttpClient client, String base) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (true) {
            try {
                HttpResponse<String> r = client.send(
                        HttpRequest.newBuilder(URI.create(base + "/health/ready"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the restored copy did not become ready within 5 minutes");
            }
            Thread.sleep(200);
        }
    }

    private static HttpClient client(Path certificate) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certificate)) {
            trust.setCertificateEntry(
                    "copy", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder()
                .sslContext(ssl)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    private static double seconds(Duration d) {
        return Math.round(d.toMillis() / 100.0) / 10.0;
    }
}
