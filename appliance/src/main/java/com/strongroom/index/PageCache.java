package com.strongroom.index;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.store.AlreadyClosedException;

/**
 * Bounded off-heap memory for decrypted index data, owned by one {@link EncryptedDirectory}:
 *
 * <ul>
 *   <li>a page cache of at most {@code maxPageBytes}, shared by every paged input of the
 *       directory. Pages live in 8 KiB blocks carved from slabs of one shared {@link Arena}, so
 *       evicting a page costs no allocation and no arena close. Eviction is CLOCK (second chance).
 *   <li>whole decrypted vector data (see {@link EncryptedDirectory}) of at most {@code
 *       maxVectorBytes}, reserved when an input opens and returned when it closes.
 * </ul>
 *
 * <p>Readers pin a page only while copying out of it, so eviction and {@link #wipe()} never free
 * or zero memory that a reader is copying; a page whose last pin is gone cannot be pinned again.
 * Evicted blocks are not zeroed until reused: the memory never leaves the process, and a memset
 * per miss would buy nothing that {@link #wipe()}, which zeroes every slab, does not.
 *
 * <p>{@link #wipe()} is for sealing: it zeroes and drops every cached page and every vector
 * segment, and makes open files forget their derived keys. Open inputs keep working by decrypting
 * again, which needs the dataset key: once that is destroyed they fail with {@link
 * AlreadyClosedException}. {@link #close()} wipes and frees the memory; the directory closes it.
 */
public final class PageCache implements Closeable {
    static final int BLOCK_SHIFT = EncryptedDirectory.MIN_PAGE_SHIFT;
    static final int BLOCK_SIZE = 1 << BLOCK_SHIFT;
    private static final int SLAB_BLOCKS = 128;

    private final long maxBlocks;
    private final long maxVectorBytes;
    private final ConcurrentHashMap<PageKey, Page> pages = new ConcurrentHashMap<>();
    private final Set<Wipeable> wipeables = ConcurrentHashMap.newKeySet();
    /** Blocks of evicted pages whose last reader let go: handed back without taking the lock. */
    private final ConcurrentLinkedQueue<MemorySegment> released = new ConcurrentLinkedQueue<>();

    private final AtomicLong blocksInPages = new AtomicLong();
    private final AtomicLong vectorBytes = new AtomicLong();
    private final AtomicBoolean claimed = new AtomicBoolean();
    /** Bumped by wipe(): a page decrypted before a wipe must not be cached after it. */
    private volatile long generation;

    // guarded by this
    private final List<MemorySegment> slabs = new ArrayList<>();
    private final ArrayDeque<MemorySegment> free = new ArrayDeque<>();
    private final ArrayDeque<Page> clock = new ArrayDeque<>();
    private Arena arena;
    private long allocatedBlocks;
    private volatile boolean closed;

    private PageCache(long maxPageBytes, long maxVectorBytes) {
        this.maxBlocks = maxPageBytes >>> BLOCK_SHIFT;
        this.maxVectorBytes = maxVectorBytes;
    }

    /**
     * @param maxPageBytes off-heap bytes for cached pages; at least one largest page (64 KiB)
     * @param maxVectorBytes off-heap bytes for whole decrypted vector data; 0 turns it off, and
     *     vector files are then read through pages (correct, but without in-place SIMD scoring)
     * @throws IllegalArgumentException if a limit is out of range
     */
    public static PageCache create(long maxPageBytes, long maxVectorBytes) {
        if (maxPageBytes < EncryptedDirectory.MAX_PAGE_SIZE) {
            throw new IllegalArgumentException(
                    "maxPageBytes must be at least " + EncryptedDirectory.MAX_PAGE_SIZE + ", got " + maxPageBytes);
        }
        if (maxVectorBytes < 0) {
            throw new IllegalArgumentException("maxVectorBytes must not be negative, got " + maxVectorBytes);
        }
        return new PageCache(maxPageBytes, maxVectorBytes);
    }

    /** What is held now, for metrics. */
    public Usage usage() {
        return new Usage(blocksInPages.get() << BLOCK_SHIFT, vectorBytes.get());
    }

    /** Bytes held by cached pages (including evicted pages still being read) and by vector data. */
    public record Usage(long pageBytes, long vectorBytes) {}

    /**
     * Zeroes and drops every cached page and vector segment, and makes open files forget their
     * derived keys. Returns once no reader is still copying out of the wiped memory.
     */
    public synchronized void wipe() {
        generation++;
        for (Wipeable w : wipeables) {
            w.wipe();
        }
        Page page;
        while ((page = clock.poll()) != null) {
            pages.remove(page.key, page);
            page.unpin();
        }
        // Pins are held only for a copy, so this wait is short.
        while (blocksInPages.get() != 0) {
            Thread.yield();
        }
        drainReleased();
        for (MemorySegment slab : slabs) {
            slab.fill((byte) 0);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        wipe();
        closed = true;
        free.clear();
        slabs.clear();
        if (arena != null) {
            arena.close();
        }
    }

    /** Every slab, for tests that check what wipe() left behind. */
    synchronized List<MemorySegment> slabs() {
        return List.copyOf(slabs);
    }

    boolean isClosed() {
        return closed;
    }

    void claim() {
        if (!claimed.compareAndSet(false, true)) {
            throw new IllegalArgumentException(
                    "page cache is already used by another directory; create one per directory");
        }
    }

    void register(Wipeable w) {
        wipeables.add(w);
    }

    void deregister(Wipeable w) {
        wipeables.remove(w);
    }

    boolean reserveVectorBytes(long bytes) {
        long used;
        do {
            used = vectorBytes.get();
            if (closed || used + bytes > maxVectorBytes) {
                return false;
            }
        } while (!vectorBytes.compareAndSet(used, used + bytes));
        return true;
    }

    void releaseVectorBytes(long bytes) {
        vectorBytes.addAndGet(-bytes);
    }

    /** Returns the page pinned; the caller must {@link Page#unpin()} it. */
    Page acquire(PageKey key, PageSource source) throws IOException {
        for (Page page = pages.get(key); page != null; page = pages.get(key)) {
            if (page.pin()) {
                return page;
            }
            pages.remove(key, page); // lost a race with eviction
        }
        long gen = generation;
        byte[] buf = PageCipher.get().buffer();
        int length = source.decrypt(buf);
        try {
            return insert(key, buf, length, gen);
        } finally {
            Arrays.fill(buf, 0, length, (byte) 0);
        }
    }

    private synchronized Page insert(PageKey key, byte[] plain, int length, long gen) {
        if (closed) {
            throw new AlreadyClosedException("page cache is closed");
        }
        Page existing = pages.get(key);
        if (existing != null && existing.pin()) {
            return existing;
        }
        MemorySegment[] blocks = gen == generation ? allocate((length + BLOCK_SIZE - 1) >>> BLOCK_SHIFT) : null;
        if (blocks == null) {
            // Every block is pinned or the cache was wiped meanwhile: serve this read uncached.
            return new Page(null, key, heapBlocks(Arrays.copyOf(plain, length)), length);
        }
        Page page = new Page(this, key, blocks, length);
        MemorySegment src = MemorySegment.ofArray(plain);
        for (int i = 0; i < blocks.length; i++) {
            long from = (long) i << BLOCK_SHIFT;
            MemorySegment.copy(src, from, blocks[i], 0, Math.min(BLOCK_SIZE, length - from));
        }
        pages.put(key, page);
        clock.add(page);
        return page;
    }

    private MemorySegment[] allocate(int count) {
        drainReleased();
        while (free.size() < count) {
            if (allocatedBlocks < maxBlocks) {
                grow();
            } else if (evict()) {
                drainReleased();
            } else {
                return null;
            }
        }
        MemorySegment[] blocks = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            blocks[i] = free.pop();
        }
        blocksInPages.addAndGet(count);
        return blocks;
    }

    private void grow() {
        if (arena == null) {
            arena = Arena.ofShared();
        }
        int count = (int) Math.min(SLAB_BLOCKS, maxBlocks - allocatedBlocks);
        MemorySegment slab = arena.allocate((long) count << BLOCK_SHIFT, 64);
        slabs.add(slab);
        for (int i = 0; i < count; i++) {
            free.push(slab.asSlice((long) i << BLOCK_SHIFT, BLOCK_SIZE));
        }
        allocatedBlocks += count;
    }

    /** Drops the cache's reference to one page; its blocks return when its last reader unpins. */
    private boolean evict() {
        Page page;
        while ((page = clock.poll()) != null) {
            if (page.used) {
                page.used = false;
                clock.add(page);
            } else {
                pages.remove(page.key, page);
                page.unpin();
                return true;
            }
        }
        return false;
    }

    private void drainReleased() {
        MemorySegment block;
        while ((block = released.poll()) != null) {
            free.push(block);
        }
    }

    private void release(Page page) {
        released.addAll(Arrays.asList(page.blocks));
        blocksInPages.addAndGet(-page.blocks.length);
    }

    private static MemorySegment[] heapBlocks(byte[] plain) {
        MemorySegment all = MemorySegment.ofArray(plain);
        MemorySegment[] blocks = new MemorySegment[(plain.length + BLOCK_SIZE - 1) >>> BLOCK_SHIFT];
        for (int i = 0; i < blocks.length; i++) {
            long from = (long) i << BLOCK_SHIFT;
            blocks[i] = all.asSlice(from, Math.min(BLOCK_SIZE, plain.length - from));
        }
        return blocks;
    }

    /** The plaintext of one page of one file, fetched on a miss. */
    interface PageSource {
        /** Decrypts the page into {@code buf} and returns its plaintext length. */
        int decrypt(byte[] buf) throws IOException;
    }

    /** Something holding decrypted data or keys outside the page map. */
    interface Wipeable {
        void wipe();
    }

    /**
     * Identity of one file's content: its random salt, the name it is bound to, its page size and
     * its authenticated length. A tampered copy differs in one of them, so it never hits pages
     * that were authenticated for the original.
     */
    record FileId(long salt0, long salt1, long salt2, long salt3, String name, int pageShift, long length) {}

    record PageKey(FileId file, long index) {}

    /** One decrypted page, in cache blocks or, when uncached, on the heap. */
    static final class Page {
        private final PageCache cache;
        private final PageKey key;
        private final MemorySegment[] blocks;
        private final int length;
        /** The cache's reference plus one per pin; at zero the page is dead for good. */
        private final AtomicInteger refs;

        private volatile boolean used;

        private Page(PageCache cache, PageKey key, MemorySegment[] blocks, int length) {
            this.cache = cache;
            this.key = key;
            this.blocks = blocks;
            this.length = length;
            this.refs = new AtomicInteger(cache == null ? 1 : 2); // pinned for the caller
        }

        long index() {
            return key.index();
        }

        int length() {
            return length;
        }

        /** Pins and marks the page used for CLOCK; false if it is already dead. */
        boolean pin() {
            for (int r = refs.get(); r > 0; r = refs.get()) {
                if (refs.compareAndSet(r, r + 1)) {
                    if (!used) {
                        used = true;
                    }
                    return true;
                }
            }
            return false;
        }

        void unpin() {
            if (refs.decrementAndGet() == 0) {
                if (cache != null) {
                    cache.release(this);
                } else {
                    for (MemorySegment block : blocks) {
                        block.fill((byte) 0);
                    }
                }
            }
        }

        /** Copies {@code [from, from + count)} of the page; the caller holds a pin. */
        void copyTo(int from, MemorySegment dst, long dstOffset, int count) {
            assert refs.get() > 0 && from + count <= length;
            while (count > 0) {
                int inBlock = from & (BLOCK_SIZE - 1);
                int n = Math.min(count, BLOCK_SIZE - inBlock);
                MemorySegment.copy(blocks[from >>> BLOCK_SHIFT], inBlock, dst, dstOffset, n);
                from += n;
                dstOffset += n;
                count -= n;
            }
        }
    }
}
