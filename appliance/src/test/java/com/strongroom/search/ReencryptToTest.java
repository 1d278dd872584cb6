package com.strongroom.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.crypto.SecretKeyBytes;
import com.strongroom.index.EncryptedDirectory;
import com.strongroom.index.IndexKeys;
import com.strongroom.index.PageCache;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.store.MMapDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real encrypted index written under version 1 is rewritten under version 2, searchable throughout. */
class ReencryptToTest {
    private static final EmbeddingSpec SPEC = new EmbeddingSpec("test", 4);

    @TempDir
    Path path;

    /** Two versions of a dataset key; new files take {@link #write}. */
    private static final class TwoVersions implements IndexKeys {
        final SecretKeyBytes v1 = SecretKeyBytes.random(32);
        final SecretKeyBytes v2 = SecretKeyBytes.random(32);
        volatile int write = 1;
        volatile boolean v1Gone;

        @Override
        public int writeVersion() {
            return write;
        }

        @Override
        public SecretKeyBytes key(int version) throws IOException {
            if (version == 2 || (version == 1 && !v1Gone)) {
                return version == 1 ? v1 : v2;
            }
            throw new CorruptIndexException("no key version " + version, "test");
        }
    }

    private static ChunkRecord chunk(String doc, String text) {
        return new ChunkRecord("ch_" + doc + "_0", doc, text, 0, text.length(), new float[] {1, 0, 0, 0}, Map.of());
    }

    private static Set<Integer> versions(EncryptedDirectory dir) throws IOException {
        Set<Integer> out = new TreeSet<>();
        for (String name : dir.listAll()) {
            dir.keyVersion(name).ifPresent(out::add);
        }
        return out;
    }

    @Test
    void everySegmentMovesToTheNewVersion_deletesStayDeleted_andTheOldKeyIsNotNeededAfter() throws Exception {
        TwoVersions keys = new TwoVersions();
        PageCache cache = PageCache.create(8 << 20, 8 << 20);
        try (EncryptedDirectory dir = EncryptedDirectory.create(new MMapDirectory(path), keys, cache, 16 * 1024);
                DatasetIndex index = DatasetIndex.create("ds_t", dir, SPEC)) {
            for (int commit = 0; commit < 3; commit++) { // three segments
                index.replaceDocument("doc_" + commit, List.of(chunk("doc_" + commit, "ledger entry " + commit)));
                index.commit();
            }
            index.deleteDocument("doc_1");
            index.commit();
            assertEquals(Set.of(1), versions(dir));

            keys.write = 2;
            assertEquals(0, index.reencryptTo(1), "nothing is under another version than 1");
            assertTrue(index.reencryptTo(2) > 0);
            assertEquals(Set.of(2), versions(dir), "a file is still under v1");
            assertEquals(0, index.reencryptTo(2), "a second look finds nothing to move");

            keys.v1Gone = true;
            index.awaitSearchable(index.replaceDocument("doc_3", List.of(chunk("doc_3", "ledger entry 3"))));
            List<SearchHit> hits = index.search(SearchRequest.of("ledger", SearchMode.KEYWORD, 10), null);
            assertEquals(
                    Set.of("doc_0", "doc_2", "doc_3"),
                    new TreeSet<>(hits.stream().map(SearchHit::documentId).toList()));
        }
        // and it opens again with v2 alone
        try (EncryptedDirectory dir = EncryptedDirectory.create(
                        new MMapDirectory(path), keys, PageCache.create(8 << 20, 8 << 20), 16 * 1024);
                DatasetIndex index = DatasetIndex.open("ds_t", dir)) {
            assertEquals(
                    3,
                    index.search(SearchRequest.of("ledger", SearchMode.KEYWORD, 10), null)
                            .size());
        }
    }
}
