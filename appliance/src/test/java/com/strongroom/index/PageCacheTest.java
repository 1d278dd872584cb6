package com.strongroom.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.crypto.SecretKeyBytes;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.FileDataHint;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.store.MemorySegmentAccessInput;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page cache under eviction, and what {@link PageCache#wipe()} leaves behind. Decided: after a
 * wipe, open inputs decrypt again from disk while the dataset key lives; once it is destroyed
 * every read that needs decryption fails with {@link AlreadyClosedException}.
 */
class PageCacheTest {
    private static final byte[] PATTERN = "WIPE-ME-PLAINTEXT".getBytes(StandardCharsets.US_ASCII);
    private static final IOContext VECTORS = IOContext.DEFAULT.withHints(FileDataHint.KNN_VECTORS);

    @TempDir
    Path path;

    private final SecretKeyBytes dek = SecretKeyBytes.random(32);
    private PageCache cache;
    private EncryptedDirectory dir;
    private byte[] content;

    @BeforeEach
    void writeFile() throws IOException {
        cache = PageCache.create(256 << 10, 1 << 20);
        dir = EncryptedDirectory.create(new MMapDirectory(path), dek, cache, 8192);
        content = new byte[5 * 8192 + 77];
        for (int i = 0; i < content.length; i++) {
            content[i] = PATTERN[i % PATTERN.length];
        }
        try (IndexOutput out = dir.createOutput("data.vec", IOContext.DEFAULT)) {
            out.writeBytes(content, content.length);
        }
    }

    @AfterEach
    void close() throws IOException {
        dir.close();
    }

    @Test
    void concurrentReadsUnderEviction_returnTheRightBytes() throws Exception {
        // 4 files of 40 pages each through a cache of 8 pages: constant eviction while reading.
        dir.close();
        cache = PageCache.create(64 << 10, 0);
        dir = EncryptedDirectory.create(new MMapDirectory(path.resolve("many")), dek, cache, 8192);
        List<byte[]> files = new ArrayList<>();
        Random random = new Random(7);
        for (int f = 0; f < 4; f++) {
            byte[] bytes = new byte[40 * 8192 - 13];
            random.nextBytes(bytes);
            files.add(bytes);
            try (IndexOutput out = dir.createOutput("f" + f, IOContext.DEFAULT)) {
                out.writeBytes(bytes, bytes.length);
            }
        }
        List<IndexInput> inputs = new ArrayList<>();
        for (int f = 0; f < files.size(); f++) {
            inputs.add(dir.openInput("f" + f, IOContext.DEFAULT));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = t;
                done.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    byte[] buf = new byte[3000];
                    for (int i = 0; i < 4000; i++) {
                        int f = r.nextInt(files.size());
                        IndexInput in = inputs.get(f).clone();
                        int pos = r.nextInt(files.get(f).length - buf.length);
                        in.seek(pos);
                        in.readBytes(buf, 0, buf.length);
                        for (int j = 0; j < buf.length; j++) {
                            if (buf[j] != files.get(f)[pos + j]) {
                                throw new AssertionError("file " + f + " byte " + (pos + j));
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
            for (IndexInput in : inputs) {
                in.close();
            }
        }
        assertTrue(cache.usage().pageBytes() <= 64 << 10, "bounded: " + cache.usage());
    }

    @Test
    void wipeDuringConcurrentReads_neverYieldsWrongBytes() throws Exception {
        byte[] random = new byte[content.length];
        new Random(3).nextBytes(random);
        try (IndexOutput out = dir.createOutput("random.vec", IOContext.DEFAULT)) {
            out.writeBytes(random, random.length);
        }
        try (IndexInput paged = dir.openInput("random.vec", IOContext.DEFAULT);
                IndexInput whole = dir.openInput("random.vec", VECTORS)) {
            assertInstanceOf(MemorySegmentAccessInput.class, whole);
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<Integer>> readers = new ArrayList<>();
                for (IndexInput shared : List.of(paged, whole, paged)) {
                    readers.add(pool.submit(() -> {
                        IndexInput in = shared.clone();
                        Random r = new Random();
                        byte[] buf = new byte[2000];
                        int reads = 0;
                        for (; !stop.get(); reads++) {
                            int pos = r.nextInt(random.length - buf.length);
                            in.seek(pos);
                            in.readBytes(buf, 0, buf.length);
                            if (MemorySegment.mismatch(
                                            MemorySegment.ofArray(buf),
                                            0,
                                            buf.length,
                                            MemorySegment.ofArray(random),
                                            pos,
                                            pos + buf.length)
                                    != -1) {
                                throw new AssertionError("wrong bytes at " + pos + " from " + in);
                            }
                        }
                        return reads;
                    }));
                }
                for (int wipes = 0; wipes < 300; wipes++) {
                    cache.wipe();
                    Thread.sleep(0, 200_000);
                }
                stop.set(true);
                for (Future<Integer> f : readers) {
                    assertTrue(f.get() > 300, "reads raced the wipes: " + f.get());
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void wipe_zeroesCachedPages_andOpenInputsDecryptAgain() throws IOException {
        try (IndexInput in = dir.openInput("data.vec", IOContext.DEFAULT)) {
            assertArrayEquals(content, readAll(in));
            assertTrue(slabsContain(PATTERN), "pages are cached before the wipe");
            assertTrue(cache.usage().pageBytes() > 0);

            cache.wipe();

            assertFalse(slabsContain(PATTERN), "plaintext left in the cache");
            for (MemorySegment slab : cache.slabs()) {
                assertEquals(-1, slab.mismatch(MemorySegment.ofArray(new byte[(int) slab.byteSize()])));
            }
            assertEquals(0, cache.usage().pageBytes());
            assertArrayEquals(content, readAll(in), "decrypted again from disk");
        }
    }

    @Test
    void wipe_thenDestroyedKey_failsReads() throws IOException {
        try (IndexInput in = dir.openInput("data.vec", IOContext.DEFAULT)) {
            readAll(in);
            cache.wipe();
            dek.destroy();
            assertThrows(AlreadyClosedException.class, () -> readAll(in));
            assertThrows(AlreadyClosedException.class, () -> dir.openInput("data.vec", IOContext.DEFAULT));
            assertThrows(AlreadyClosedException.class, () -> dir.createOutput("new", IOContext.DEFAULT));
        }
    }

    @Test
    void wipe_dropsVectorSegments_andReadersFailOrDecryptAgain() throws IOException {
        try (IndexInput in = dir.openInput("data.vec", VECTORS)) {
            MemorySegmentAccessInput msai = assertInstanceOf(MemorySegmentAccessInput.class, in);
            MemorySegment before = msai.segmentSliceOrNull(0, in.length());
            assertNotNull(before);
            assertEquals(-1, before.mismatch(MemorySegment.ofArray(content)));
            assertEquals(content.length, cache.usage().vectorBytes());

            cache.wipe();

            // A reader holding the old segment (a vector scorer) fails rather than reading zeroes.
            assertThrows(IllegalStateException.class, () -> before.get(ValueLayout.JAVA_BYTE, 0));
            assertArrayEquals(content, readAll(in), "decrypted again from disk");
            MemorySegment after = msai.segmentSliceOrNull(0, in.length());
            assertEquals(-1, after.mismatch(MemorySegment.ofArray(content)));

            cache.wipe();
            dek.destroy();
            assertThrows(AlreadyClosedException.class, () -> readAll(in));
            assertThrows(AlreadyClosedException.class, () -> msai.segmentSliceOrNull(0, 1));
        }
        assertEquals(0, cache.usage().vectorBytes(), "returned to the budget on close");
    }

    @Test
    void closedDirectory_freesTheCache() throws IOException {
        IndexInput in = dir.openInput("data.vec", IOContext.DEFAULT);
        readAll(in);
        in.close();
        dir.close();
        assertTrue(cache.slabs().isEmpty());
        assertThrows(AlreadyClosedException.class, () -> dir.openInput("data.vec", IOContext.DEFAULT));
    }

    @Test
    void oneCachePerDirectory() throws IOException {
        assertThrows(
                IllegalArgumentException.class,
                () -> EncryptedDirectory.create(new MMapDirectory(path.resolve("other")), dek, cache));
    }

    private static byte[] readAll(IndexInput in) throws IOException {
        byte[] bytes = new byte[(int) in.length()];
        in.seek(0);
        in.readBytes(bytes, 0, bytes.length);
        return bytes;
    }

    private boolean slabsContain(byte[] needle) {
        MemorySegment n = MemorySegment.ofArray(needle);
        for (MemorySegment slab : cache.slabs()) {
            for (long i = 0; i + needle.length <= slab.byteSize(); i++) {
                if (MemorySegment.mismatch(slab, i, i + needle.length, n, 0, needle.length) == -1) {
                    return true;
                }
            }
        }
        return false;
    }
}
