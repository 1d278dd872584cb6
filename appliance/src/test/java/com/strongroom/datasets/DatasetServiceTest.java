package com.strongroom.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.audit.AuditKeys;
import com.strongroom.audit.ChainedAuditLog;
import com.strongroom.auth.Organizations;
import com.strongroom.index.EncryptedDirectory;
import com.strongroom.keys.DekRecord;
import com.strongroom.keys.DekState;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.Keyring;
import com.strongroom.search.DatasetIndexes;
import com.strongroom.search.EmbeddingSpec;
import com.strongroom.search.UnknownDatasetException;
import com.strongroom.store.H2Database;
import com.strongroom.store.MetadataStore;
import com.strongroom.testing.LabHsm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dataset life cycle on the real stores: names, soft delete, restore window, purge with shredding. */
class DatasetServiceTest {
    private static final EmbeddingSpec SPEC = new EmbeddingSpec("test", 4);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private KeyManager keys;
    private DatasetIndexes indexes;
    private DatasetService datasets;
    private String org;
    private String otherOrg;
    private ChainedAuditLog audit;
    private MetadataStore metadata;

    /** A clock the test moves forward, to walk through the 30-day window in no time. */
    private static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @BeforeEach
    void start() throws Exception {
        LabHsm.Token token = LabHsm.newToken(dir.resolve("hsm"));
        LabHsm.createKek(token, "strongroom-kek");
        H2Database db = H2Database.open(dir.resolve("keyring/keyring"), "db/keyring", false, null);
        open.add(db);
        keys = KeyManager.create(new Keyring(db), token.settings());
        open.add(keys);
        keys.initialize("strongroom-kek", false);
        audit = new ChainedAuditLog(db, new AuditKeys(keys));
        metadata = new MetadataStore(dir.resolve("data/metadata"));
        keys.addListener(audit);
        keys.addListener(metadata);
        indexes = new DatasetIndexes(
                new DatasetIndexes.Settings(
                        dir.resolve("data/indexes"),
                        1 << 20,
                        1 << 20,
                        EncryptedDirectory.DEFAULT_PAGE_SIZE,
                        Duration.ofHours(1)),
                keys);
        keys.addListener(indexes);
        open.add(indexes);
        assertTrue(keys.unseal(), () -> keys.sealedReason());
        // a small quota, so that the quota test reaches it; no other test holds more than 2 at once
        datasets = new DatasetService(
                new DatasetStore(metadata),
                indexes,
                keys,
                audit,
                clock,
                DatasetService.DEFAULT_RESTORE_WINDOW,
                new Quotas(3, 10_000));
        Organizations organizations = new Organizations(metadata);
        org = organizations.create("acme");
        otherOrg = organizations.create("globex");
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private Dataset create(String organization, String name) throws Exception {
        return datasets.create(organization, new DatasetService.NewDataset(name, null, Map.of("k", "v"), SPEC));
    }

    @Test
    void namesAreUniquePerOrganization_andFreedByDeletion() throws Exception {
        Dataset first = create(org, "Handbook");
        assertThrows(DuplicateNameException.class, () -> create(org, "Handbook"));
        create(otherOrg, "Handbook"); // another organization may use the name
        assertEquals(1, datasets.list(org, DatasetStore.Sort.NAME_ASC, 20, 0).total(), "the clash created nothing");

        datasets.delete(org, first.id()).orElseThrow();
        Dataset second = create(org, "Handbook");
        assertThrows(
                DuplicateNameException.class,
                () -> datasets.restore(org, first.id()),
                "restoring would clash with the new dataset of the same name");
        assertTrue(datasets.find(org, second.id()).isPresent());
    }

    @Test
    void theDatasetQuota_countsActiveDatasets_andRefusesBeyondIt_creatingNothing() throws Exception {
        create(org, "One");
        Dataset two = create(org, "Two");
        create(org, "Three");
        QuotaExceededException full = assertThrows(QuotaExceededException.class, () -> create(org, "Four"));
        assertEquals("quotas.datasets-per-organization", full.quota());
        assertEquals(3, datasets.list(org, DatasetStore.Sort.NAME_ASC, 20, 0).total(), "nothing was created");
        create(otherOrg, "Four"); // per organization

        datasets.delete(org, two.id()).orElseThrow();
        Dataset four = create(org, "Four"); // a deleted dataset frees its place
        assertThrows(
                QuotaExceededException.class,
                () -> datasets.restore(org, two.id()),
                "restoring would go beyond the quota");
        assertTrue(datasets.find(org, two.id()).isEmpty(), "still deleted");
        datasets.delete(org, four.id()).orElseThrow();
        assertTrue(datasets.restore(org, two.id()).isPresent(), "room again");
    }

    @Test
    void anotherOrganization_seesNothing() throws Exception {
        Dataset d = create(org, "Private");
        assertTrue(datasets.find(otherOrg, d.id()).isEmpty());
        assertTrue(datasets.update(otherOrg, d.id(), "Stolen", null, null).isEmpty());
        assertTrue(datasets.delete(otherOrg, d.id()).isEmpty());
        assertEquals(
                0,
                datasets.list(otherOrg, DatasetStore.Sort.CREATED_AT_DESC, 20, 0)
                        .total());
        assertEquals("Private", datasets.find(org, d.id()).orElseThrow().name(), "untouched");
    }

    @Test
    void softDelete_restoreWithinTheWindow_purgeAfterItShredsTheKey() throws Exception {
        Dataset kept = create(org, "Kept");
        Dataset d = create(org, "Temporary");
        Dataset deleted = datasets.delete(org, d.id()).orElseThrow();
        assertEquals(deleted.deletedAt().plus(DatasetService.DEFAULT_RESTORE_WINDOW), deleted.purgeAfter());
        assertTrue(datasets.find(org, d.id()).isEmpty(), "gone from reads");
        assertEquals(
                List.of(kept.id()),
                datasets.list(org, DatasetStore.Sort.NAME_ASC, 20, 0).items().stream()
                        .map(Dataset::id)
                        .toList());

        clock.advance(Duration.ofDays(29));
        assertEquals(0, datasets.purgeDue(), "still inside the window");
        assertTrue(datasets.restore(org, d.id()).isPresent());
        assertTrue(datasets.find(org, d.id()).isPresent());

        datasets.delete(org, d.id()).orElseThrow();
        clock.advance(Duration.ofDays(30).plusSeconds(1));
        assertEquals(1, datasets.purgeDue());
        assertFalse(Files.exists(dir.resolve("data/indexes").resolve(d.id())), "index files deleted");
        for (DekRecord dek : keys.keyring().deks()) {
            if (dek.purpose().equals("dataset:" + d.id())) {
                assertEquals(DekState.DESTROYED, dek.state(), "every version shredded");
            }
            if (dek.purpose().equals("dataset:" + kept.id())) {
                assertEquals(DekState.PRIMARY, dek.state(), "other datasets keep their key");
            }
        }
        assertTrue(datasets.restore(org, d.id()).isEmpty(), "no restore after the purge");
        assertThrows(UnknownDatasetException.class, () -> indexes.get(d.id()));
        assertEquals(0, datasets.purgeDue(), "purged once");
        assertTrue(indexes.get(kept.id()).chunkCount() == 0, "the kept dataset's index still opens");
    }

    /**
     * A restore that started just inside the window and a purge that started just after it, run
     * at once on the same dataset: the purge is held inside its work (the key manager's lock,
     * which it takes to drop the index) while the restore runs. Only one of the two may succeed.
     */
    @Test
    void purgeAndRestoreOfTheSameDataset_cannotBothSucceed() throws Exception {
        Dataset d = create(org, "Contested");
        datasets.delete(org, d.id()).orElseThrow();
        DatasetService restorer = new DatasetService(
                new DatasetStore(metadata),
                indexes,
                keys,
                audit,
                Clock.fixed(clock.instant().plus(Duration.ofDays(30)).minusSeconds(1), ZoneOffset.UTC),
                DatasetService.DEFAULT_RESTORE_WINDOW,
                new Quotas(3, 10_000));
        clock.advance(Duration.ofDays(30).plusSeconds(1));
        java.util.concurrent.atomic.AtomicInteger purged = new java.util.concurrent.atomic.AtomicInteger(-1);
        Thread purge;
        boolean restored;
        synchronized (keys) {
            purge = new Thread(() -> {
                try {
                    purged.set(datasets.purgeDue());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            purge.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (purge.getState() != Thread.State.BLOCKED) {
                assertTrue(System.nanoTime() < deadline, "the purge never reached the key manager");
                Thread.sleep(10);
            }
            restored = restorer.restore(org, d.id()).isPresent();
        }
        purge.join(10_000);
        boolean purgeWon = purged.get() == 1;
        assertTrue(restored != purgeWon, "restored: " + restored + ", purged: " + purged.get());
        assertEquals(restored, datasets.find(org, d.id()).isPresent());
        if (restored) {
            assertTrue(Files.exists(dir.resolve("data/indexes").resolve(d.id())), "a restored dataset keeps its index");
        }
    }
}
