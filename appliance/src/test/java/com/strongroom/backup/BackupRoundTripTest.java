package com.strongroom.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.audit.AuditKeys;
import com.strongroom.audit.AuditVerifier;
import com.strongroom.audit.ChainedAuditLog;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.Keyring;
import com.strongroom.search.ChunkRecord;
import com.strongroom.search.DatasetIndex;
import com.strongroom.search.DatasetIndexes;
import com.strongroom.search.EmbeddingSpec;
import com.strongroom.store.ChangeJournal;
import com.strongroom.store.H2Database;
import com.strongroom.store.MetadataStore;
import com.strongroom.testing.LabHsm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot, journal and restore in one process, on a real SoftHSM2 token, real H2 files, real
 * Lucene files and a directory target: what the end-to-end tests prove through the CLI, here fast
 * and with every step visible. No embedding model: chunks carry their own vectors.
 */
class BackupRoundTripTest {
    private static final String KEK = "strongroom-kek";
    private static final EmbeddingSpec SPEC = new EmbeddingSpec("test-model", 4);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private record Live(
            KeyManager keys,
            H2Database keyringDb,
            MetadataStore metadata,
            DatasetIndexes indexes,
            BackupService backups,
            BackupTarget target) {}

    private Live live(LabHsm.Token token, Path home, Path targetDir) throws Exception {
        H2Database keyringDb = H2Database.open(home.resolve("keyring/keyring"), "db/keyring", false, null);
        open.add(keyringDb);
        KeyManager keys = KeyManager.createInitialisingUnder(new Keyring(keyringDb), token.settings(), KEK);
        open.add(keys);
        ChainedAuditLog audit = new ChainedAuditLog(keyringDb, new AuditKeys(keys));
        keys.addListener(audit);
        MetadataStore metadata = new MetadataStore(home.resolve("data/metadata"));
        keys.addListener(metadata);
        DatasetIndexes indexes = new DatasetIndexes(
                new DatasetIndexes.Settings(
                        home.resolve("data/indexes"), 8 << 20, 8 << 20, 16 << 10, Duration.ofHours(1)),
                keys);
        open.add(indexes);
        keys.addListener(indexes);
        ChangeJournal journal = new ChangeJournal(metadata::db);
        indexes.journalChangesTo(new IndexJournal(journal, keys));
        assertTrue(keys.unseal(), keys.sealedReason());
        BackupSettings settings = new BackupSettings(
                true,
                Duration.ofHours(6),
                Duration.ofSeconds(30),
                Duration.ZERO,
                Duration.ofHours(1),
                Duration.ofDays(30),
                home.resolve("backup/spool"),
                List.of(new TargetSettings(
                        "local", "directory", targetDir, Duration.ofDays(90), Duration.ofDays(30), null)));
        BackupService backups =
                BackupService.create(settings, keys, metadata, journal, indexes, keyringDb, audit, Clock.systemUTC());
        open.add(backups);
        return new Live(keys, keyringDb, metadata, indexes, backups, backups.target("local"));
    }

    @Test
    void restoreAtEachMoment_replaysExactlyTheChangesUpToIt() throws Exception {
        LabHsm.Token token = LabHsm.newToken(dir.resolve("hsm"));
        LabHsm.createKek(token, KEK);
        Live live = live(token, dir.resolve("home"), dir.resolve("target"));
        sql(live, "INSERT INTO organization (id, name, created_at) VALUES ('org_1', 'Acme', CURRENT_TIMESTAMP)");
        DatasetIndex index = createDataset(live, "ds_1");
        index.replaceDocument("doc_a", List.of(chunk("doc_a", "alpha")));
        index.commit();

        live.backups().snapshot();
        Instant afterSnapshot = Instant.now();
        Thread.sleep(20);

        index.replaceDocument("doc_b", List.of(chunk("doc_b", "bravo")));
        sql(live, "UPDATE dataset SET description = 'after the snapshot' WHERE id = 'ds_1'");
        DatasetIndex second = createDataset(live, "ds_2"); // created after the snapshot: replayed from nothing
        second.replaceDocument("doc_c", List.of(chunk("doc_c", "charlie")));
        Thread.sleep(20);
        Instant middle = Instant.now();
        Thread.sleep(20);
        index.deleteDocument("doc_a");
        index.commit(); // the live index holds more than the snapshot; replay must not double it
        live.backups().ship();

        Restorer restorer = new Restorer(token.settings(), Clock.systemUTC());
        Restorer.Report atSnapshot = restorer.restore(live.target(), dir.resolve("r1"), afterSnapshot);
        assertEquals(0, atSnapshot.entriesReplayed(), atSnapshot.toString());
        assertEquals(Map.of("ds_1", List.of("doc_a")), documentsIn(token, dir.resolve("r1")));

        Restorer.Report atMiddle = restorer.restore(live.target(), dir.resolve("r2"), middle);
        assertTrue(atMiddle.entriesReplayed() > 0, atMiddle.toString());
        assertEquals(
                Map.of("ds_1", List.of("doc_a", "doc_b"), "ds_2", List.of("doc_c")),
                documentsIn(token, dir.resolve("r2")));
        assertEquals("after the snapshot", description(token, dir.resolve("r2")));

        Restorer.Report latest = restorer.restore(live.target(), dir.resolve("r3"), null);
        assertEquals(Map.of("ds_1", List.of("doc_b"), "ds_2", List.of("doc_c")), documentsIn(token, dir.resolve("r3")));
        assertEquals(List.of("ds_1", "ds_2"), latest.datasets());

        Restorer.Report one = restorer.onlyDataset("ds_2").restore(live.target(), dir.resolve("r4"), null);
        assertEquals(List.of("ds_2"), one.datasets());
        assertEquals(Map.of("ds_2", List.of("doc_c")), documentsIn(token, dir.resolve("r4")));
        assertFalse(Files.exists(dir.resolve("r4/data/indexes/ds_1")), "the other dataset is left out");

        try (H2Database keyring = H2Database.open(dir.resolve("r3/keyring/keyring"), "db/keyring", false, null);
                KeyManager keys = KeyManager.create(new Keyring(keyring), token.settings())) {
            assertTrue(keys.unseal());
            AuditVerifier.Result audit = new AuditVerifier(keyring, new AuditKeys(keys)).verify();
            assertTrue(audit.intact(), "the restored audit chain verifies: " + audit);
        }
    }

    @Test
    void aFlippedByte_isNamedByVerify_andRefusedByRestore() throws Exception {
        LabHsm.Token token = LabHsm.newToken(dir.resolve("hsm"));
        LabHsm.createKek(token, KEK);
        Live live = live(token, dir.resolve("home"), dir.resolve("target"));
        sql(live, "INSERT INTO organization (id, name, created_at) VALUES ('org_1', 'Acme', CURRENT_TIMESTAMP)");
        DatasetIndex index = createDataset(live, "ds_1");
        index.replaceDocument("doc_a", List.of(chunk("doc_a", "alpha")));
        live.backups().snapshot();
        assertEquals(
                List.of(),
                BackupTools.verify(live.target(), token.settings(), Duration.ofDays(30))
                        .get("problems"));

        for (String kind : List.of("objects", "snapshots", "keys")) {
            Path victim;
            try (Stream<Path> files = Files.walk(dir.resolve("target").resolve(kind))) {
                victim = files.filter(Files::isRegularFile).findFirst().orElseThrow();
            }
            byte[] original = Files.readAllBytes(victim);
            byte[] flipped = original.clone();
            flipped[flipped.length - 3] ^= 0x04;
            Files.write(victim, flipped);
            String name = dir.resolve("target").relativize(victim).toString();
            Object problems = BackupTools.verify(live.target(), token.settings(), Duration.ofDays(30))
                    .get("problems");
            if (!kind.equals("keys")) {
                assertTrue(problems.toString().contains(name), kind + ": " + problems);
                CorruptBackupException refused = assertThrows(
                        CorruptBackupException.class, () -> new Restorer(token.settings(), Clock.systemUTC())
                                .restore(live.target(), dir.resolve("r-" + kind), null));
                assertTrue(refused.getMessage().contains(name), refused.getMessage());
            } else {
                // the key manifest is read first, with the keys it carries: a restore cannot start
                assertThrows(Exception.class, () -> new Restorer(token.settings(), Clock.systemUTC())
                        .restore(live.target(), dir.resolve("r-" + kind), null));
            }
            assertFalse(Files.exists(dir.resolve("r-" + kind)), "nothing half-restored is left");
            Files.write(victim, original);
        }
    }

    @Test
    void aSmallChange_sendsLittle_andEveryOriginalComesBackByteForByte() throws Exception {
        LabHsm.Token token = LabHsm.newToken(dir.resolve("hsm"));
        LabHsm.createKek(token, KEK);
        Live live = live(token, dir.resolve("home"), dir.resolve("target"));
        sql(live, "INSERT INTO organization (id, name, created_at) VALUES ('org_1', 'Acme', CURRENT_TIMESTAMP)");
        DatasetIndex index = createDataset(live, "ds_1");
        java.util.Random random = new java.util.Random(7);
        Map<String, byte[]> originals = new java.util.TreeMap<>();
        for (int i = 0; i < 400; i++) {
            // random ids, as the appliance makes them: rows must not be paged by id alone
            originals.put(addDocument(live, random), null);
        }
        index.replaceDocument("doc_a", List.of(chunk("doc_a", "alpha")));
        index.commit();
        long full = uploaded(live.backups().snapshot());
        long unchanged = uploaded(live.backups().snapshot());
        for (int i = 0; i < 4; i++) { // 1 % more
            originals.put(addDocument(live, random), null);
        }
        sql(
                live,
                "UPDATE document SET status = 'READY' WHERE id = '"
                        + originals.keySet().iterator().next() + "'");
        long incremental = uploaded(live.backups().snapshot());

        assertTrue(full > 400 * 20_000, "the first snapshot sends every original: " + full);
        // the manifest and the audit log's last page (the snapshot before was audited): every other
        // page is reused (the 400 document rows sealed again would alone be far more than this bound)
        assertTrue(unchanged < 16_384, "nothing changed, almost nothing sent: " + unchanged + " of " + full);
        assertTrue(incremental < full * 5 / 100, "1 % more documents, under 5 % sent: " + incremental + " of " + full);

        try (Connection c = live.metadata().db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT id, content FROM document");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                originals.put(rs.getString(1), rs.getBytes(2));
            }
        }
        new Restorer(token.settings(), Clock.systemUTC()).restore(live.target(), dir.resolve("r"), null);
        try (H2Database keyring = H2Database.open(dir.resolve("r/keyring/keyring"), "db/keyring", false, null);
                KeyManager keys = KeyManager.create(new Keyring(keyring), token.settings())) {
            MetadataStore metadata = new MetadataStore(dir.resolve("r/data/metadata"));
            keys.addListener(metadata);
            assertTrue(keys.unseal());
            Map<String, byte[]> restored = new java.util.TreeMap<>();
            try (Connection c = metadata.db().connection();
                    PreparedStatement ps = c.prepareStatement("SELECT id, content, status FROM document");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    restored.put(rs.getString(1), rs.getBytes(2));
                }
            }
            assertEquals(originals.keySet(), restored.keySet());
            for (Map.Entry<String, byte[]> e : originals.entrySet()) {
                assertTrue(java.util.Arrays.equals(e.getValue(), restored.get(e.getKey())), e.getKey());
            }
            try (Connection c = metadata.db().connection();
                    PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM document WHERE status = 'READY'");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertEquals(1, rs.getInt(1), "the update after the first snapshot is restored");
            }
            metadata.beforeSeal(keys, "test");
        }

        // Two hours on, retention removes what no kept snapshot needs; the originals are named
        // only inside the row pages, and they must stay.
        new TargetRetention(Clock.offset(Clock.systemUTC(), Duration.ofHours(2)), Duration.ofDays(30))
                .sweep(
                        new BackupCatalog(live.target(), new BackupCrypto(live.keys())),
                        new TargetSettings(
                                "local",
                                "directory",
                                dir.resolve("target"),
                                Duration.ofDays(90),
                                Duration.ofDays(30),
                                null));
        new Restorer(token.settings(), Clock.systemUTC()).restore(live.target(), dir.resolve("r2"), null);
        assertEquals(
                List.of(),
                BackupTools.verify(live.target(), token.settings(), Duration.ofDays(30))
                        .get("problems"));

        // An original altered at the target: verify names its object, restore refuses it.
        String sha = BackupCrypto.sha256(originals.values().iterator().next());
        Path victim = dir.resolve("target").resolve(ObjectNames.object(sha));
        byte[] bytes = Files.readAllBytes(victim);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(victim, bytes);
        Object problems = BackupTools.verify(live.target(), token.settings(), Duration.ofDays(30))
                .get("problems");
        assertTrue(problems.toString().contains(ObjectNames.object(sha)), problems.toString());
        CorruptBackupException refused =
                assertThrows(CorruptBackupException.class, () -> new Restorer(token.settings(), Clock.systemUTC())
                        .restore(live.target(), dir.resolve("r3"), null));
        assertTrue(refused.getMessage().contains(ObjectNames.object(sha)), refused.getMessage());
    }

    private static String addDocument(Live live, java.util.Random random) throws Exception {
        String id = "doc_" + Long.toHexString(random.nextLong() & Long.MAX_VALUE);
        byte[] content = new byte[20_000 + random.nextInt(10_000)];
        random.nextBytes(content);
        try (Connection c = live.metadata().db().connection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO document (id, dataset_id, organization_id,"
                        + " filename, content_type, size_bytes, metadata, status, key_version, content, created_at,"
                        + " updated_at) VALUES (?, 'ds_1', 'org_1', ?, 'text/plain', ?, '{}', 'PROCESSING', 1, ?,"
                        + " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")) {
            ps.setString(1, id);
            ps.setString(2, id + ".txt");
            ps.setLong(3, content.length);
            ps.setBytes(4, content);
            ps.executeUpdate();
        }
        Thread.sleep(1); // distinct creation times, as documents uploaded one after another have
        return id;
    }

    @SuppressWarnings("unchecked")
    private static long uploaded(Map<String, Object> snapshot) {
        return ((Map<String, Long>) snapshot.get("bytes_uploaded")).get("local");
    }

    private static DatasetIndex createDataset(Live live, String id) throws Exception {
        sql(
                live,
                "INSERT INTO dataset (id, organization_id, name, metadata, embedding_model, embedding_dimensions,"
                        + " created_at, updated_at) VALUES ('" + id + "', 'org_1', '" + id + "', '{}', 'test-model', 4,"
                        + " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
        return live.indexes().create(id, SPEC);
    }

    private static ChunkRecord chunk(String documentId, String word) {
        return new ChunkRecord(
                "ch_" + documentId, documentId, word + " text", 0, 10, new float[] {0.5f, 0.5f, 0.5f, 0.5f}, Map.of());
    }

    private static void sql(Live live, String statement) throws Exception {
        try (Connection c = live.metadata().db().connection();
                PreparedStatement ps = c.prepareStatement(statement)) {
            ps.executeUpdate();
        }
    }

    /** Dataset id -> document ids its restored index holds, opened with the restored keyring. */
    private Map<String, List<String>> documentsIn(LabHsm.Token token, Path home) throws Exception {
        try (H2Database keyring = H2Database.open(home.resolve("keyring/keyring"), "db/keyring", false, null);
                KeyManager keys = KeyManager.create(new Keyring(keyring), token.settings());
                DatasetIndexes indexes = new DatasetIndexes(
                        new DatasetIndexes.Settings(
                                home.resolve("data/indexes"), 8 << 20, 8 << 20, 16 << 10, Duration.ofHours(1)),
                        keys)) {
            keys.addListener(indexes);
            assertTrue(keys.unseal(), keys.sealedReason());
            Map<String, List<String>> out = new java.util.TreeMap<>();
            for (String id : indexes.openDatasets()) {
                List<String> docs = new ArrayList<>();
                for (var hit : indexes.get(id)
                        .search(
                                com.strongroom.search.SearchRequest.of(
                                        "text", com.strongroom.search.SearchMode.KEYWORD, 50),
                                null)) {
                    docs.add(hit.documentId());
                }
                docs.sort(String::compareTo);
                out.put(id, docs);
            }
            return out;
        }
    }

    private static String description(LabHsm.Token token, Path home) throws Exception {
        try (H2Database keyring = H2Database.open(home.resolve("keyring/keyring"), "db/keyring", false, null);
                KeyManager keys = KeyManager.create(new Keyring(keyring), token.settings())) {
            MetadataStore metadata = new MetadataStore(home.resolve("data/metadata"));
            keys.addListener(metadata);
            assertTrue(keys.unseal());
            try (Connection c = metadata.db().connection();
                    PreparedStatement ps = c.prepareStatement("SELECT description FROM dataset WHERE id = 'ds_1'");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
