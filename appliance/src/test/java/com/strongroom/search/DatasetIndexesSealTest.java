package com.strongroom.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.index.EncryptedDirectory;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.KeyProbe;
import com.strongroom.keys.Keyring;
import com.strongroom.keys.SealState;
import com.strongroom.keys.SealedException;
import com.strongroom.store.H2Database;
import com.strongroom.testing.LabHsm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.lucene.store.AlreadyClosedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dataset indexes follow the seal state of a real SoftHSM2 token. */
class DatasetIndexesSealTest {
    private static final String KEK = "strongroom-kek";
    private static final EmbeddingSpec SPEC = new EmbeddingSpec("test", 4);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private static void await(BooleanSupplier condition, Duration within, String what) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            Thread.sleep(50);
        }
    }

    private static ChunkRecord chunk(String doc, String text, float... vector) {
        return new ChunkRecord("ch_" + doc, doc, text, 0, text.length(), vector, Map.of("kind", "memo"));
    }

    @Test
    void sealingClosesIndexesAndWipesTheCache_unsealingReopensThem() throws Exception {
        LabHsm.Token token = LabHsm.newToken(dir.resolve("hsm"));
        LabHsm.createKek(token, KEK);
        H2Database db = H2Database.open(dir.resolve("keyring/keyring"), "db/keyring", false, null);
        open.add(db);
        KeyManager keys = KeyManager.create(new Keyring(db), token.settings());
        open.add(keys);
        keys.initialize(KEK, false);
        assertTrue(keys.unseal(), () -> keys.sealedReason());
        DatasetIndexes indexes = new DatasetIndexes(
                new DatasetIndexes.Settings(
                        dir.resolve("indexes"),
                        4 << 20,
                        4 << 20,
                        EncryptedDirectory.DEFAULT_PAGE_SIZE,
                        Duration.ofSeconds(1)),
                keys);
        keys.addListener(indexes);
        open.add(indexes);

        DatasetIndex index = indexes.create("ds_memo", SPEC);
        index.awaitSearchable(
                index.replaceDocument("doc_1", List.of(chunk("doc_1", "quarterly revenue memo", 1, 0, 0, 0))));
        SearchRequest query = SearchRequest.of("revenue", SearchMode.KEYWORD, 5);
        assertEquals(1, index.search(query, null).size());
        assertTrue(indexes.cachedPlaintextBytes() > 0, "searching decrypted pages into the cache");
        assertTrue(keys.keyring().dek(DatasetKeys.purpose("ds_memo"), 1).isPresent(), "the dataset has its own DEK");

        Path backup = LabHsm.backupTokens(dir.resolve("token-backup"));
        try (KeyProbe probe = KeyProbe.start(keys, Duration.ofMillis(500))) {
            LabHsm.deleteKekWithPkcs11Tool(token, KEK);
            await(() -> keys.state() == SealState.SEALED, Duration.ofSeconds(10), "sealed after KEK deletion");
            // SEALED shows at once and the listeners close their data after it, on the probe's thread
            await(() -> indexes.openDatasets().isEmpty(), Duration.ofSeconds(10), "every index closed");

            assertEquals(List.of(), indexes.openDatasets(), "every index closed");
            assertEquals(0, indexes.cachedPlaintextBytes(), "no plaintext page left in memory");
            assertThrows(SealedException.class, () -> indexes.get("ds_memo"));
            assertThrows(AlreadyClosedException.class, () -> index.search(query, null), "a held reference is dead");

            LabHsm.restoreTokens(backup);
            await(() -> keys.state() == SealState.UNSEALED, Duration.ofSeconds(10), "unsealed after restore");
        }
        assertEquals(List.of("ds_memo"), indexes.openDatasets(), "reopened on unseal");
        DatasetIndex reopened = indexes.get("ds_memo");
        assertEquals(SPEC, reopened.spec());
        List<SearchHit> hits = reopened.search(query, null);
        assertEquals("quarterly revenue memo", hits.getFirst().content(), "the document indexed before the seal");
    }

    @Test
    void aDatasetKeyRotation_writesNewFilesWithTheNewVersion_andOldOnesStayReadable() throws Exception {
        LabHsm.Token token = LabHsm.newToken(dir.resolve("hsm"));
        LabHsm.createKek(token, KEK);
        H2Database db = H2Database.open(dir.resolve("keyring/keyring"), "db/keyring", false, null);
        open.add(db);
        KeyManager keys = KeyManager.create(new Keyring(db), token.settings());
        open.add(keys);
        keys.initialize(KEK, false);
        assertTrue(keys.unseal(), () -> keys.sealedReason());
        DatasetIndexes.Settings settings = new DatasetIndexes.Settings(
                dir.resolve("indexes"), 4 << 20, 4 << 20, EncryptedDirectory.DEFAULT_PAGE_SIZE, Duration.ofHours(1));
        DatasetIndexes indexes = new DatasetIndexes(settings, keys);
        keys.addListener(indexes);
        open.add(indexes);

        DatasetIndex index = indexes.create("ds_rot", SPEC);
        index.replaceDocument("doc_1", List.of(chunk("doc_1", "written under version one", 1, 0, 0, 0)));
        index.commit();
        keys.rotateDek(DatasetKeys.purpose("ds_rot"));
        index.replaceDocument("doc_2", List.of(chunk("doc_2", "written under version two", 0, 1, 0, 0)));
        index.commit();
        indexes.close();

        DatasetIndexes restarted = new DatasetIndexes(settings, keys);
        open.add(restarted);
        DatasetIndex again = restarted.get("ds_rot");
        assertEquals(2, again.chunkCount());
        assertEquals(
                2,
                again.search(SearchRequest.of("written", SearchMode.KEYWORD, 5), null)
                        .size());
    }
}
