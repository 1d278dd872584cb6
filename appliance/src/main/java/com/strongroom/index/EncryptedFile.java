package com.strongroom.index;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.spec.SecretKeySpec;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.IOUtils;

/**
 * One open encrypted file, shared by an input and all its clones and slices: header, geometry,
 * the ciphertext input, the derived key, and any regions decrypted whole.
 *
 * <p>Layout after the header: pages of {@code pageSize} plaintext bytes, each stored as ciphertext
 * + 16-byte tag. The last page is flagged in its AAD and holds 1..pageSize bytes (0 only in an empty
 * file), so the plaintext length follows from the file length and is authenticated by decrypting
 * the last page, which {@link #open} does before anyone trusts {@link #length()}.
 */
final class EncryptedFile implements Closeable, PageCache.Wipeable {
    final String resource;
    final IndexInput raw;
    final PageCache cache;
    final int pageShift;
    private final FileHeader header;
    private final IndexKeys keys;
    private final byte[] nameBytes;
    private final long length;
    private final long lastPage;
    private final PageCache.FileId id;
    private final Map<Span, Region> regions = new ConcurrentHashMap<>();
    private final Object regionLock = new Object();
    private volatile SecretKeySpec key;

    private EncryptedFile(
            String resource, IndexInput raw, FileHeader header, IndexKeys keys, PageCache cache, long length) {
        this.resource = resource;
        this.raw = raw;
        this.header = header;
        this.keys = keys;
        this.cache = cache;
        this.pageShift = header.pageShift();
        this.nameBytes = header.name().getBytes(StandardCharsets.UTF_8);
        this.length = length;
        this.lastPage = length == 0 ? 0 : (length - 1) >>> pageShift;
        this.id = new PageCache.FileId(
                header.saltWord(0),
                header.saltWord(1),
                header.saltWord(2),
                header.saltWord(3),
                header.name(),
                pageShift,
                length);
    }

    /** Takes ownership of {@code raw}: closes it on failure, and when the returned file closes. */
    static EncryptedFile open(String name, IndexInput raw, IndexKeys keys, PageCache cache, String resource)
            throws IOException {
        EncryptedFile file;
        try {
            FileHeader header = FileHeader.read(raw, name, resource);
            long stride = (1L << header.pageShift()) + PageCipher.TAG_BYTES;
            long body = raw.length() - header.length();
            long pages = (body + stride - 1) / stride;
            long lastLength = body - (pages - 1) * stride - PageCipher.TAG_BYTES;
            if (pages < 1 || lastLength < 0 || (lastLength == 0 && pages > 1)) {
                throw new CorruptIndexException("truncated: " + body + " bytes after the header", resource);
            }
            long length = ((pages - 1) << header.pageShift()) + lastLength;
            file = new EncryptedFile(resource, raw, header, keys, cache, length);
        } catch (Throwable t) {
            IOUtils.closeWhileSuppressingExceptions(t, raw);
            throw t;
        }
        cache.register(file); // before the key is derived, so that a concurrent wipe() sees it
        try {
            file.page(file.lastPage, raw).unpin();
        } catch (Throwable t) {
            IOUtils.closeWhileSuppressingExceptions(t, file);
            throw t;
        }
        return file;
    }

    long length() {
        return length;
    }

    /** The page holding plaintext offset {@code index << pageShift}, pinned. */
    PageCache.Page page(long index, IndexInput in) throws IOException {
        return cache.acquire(new PageCache.PageKey(id, index), buf -> decrypt(index, in, buf));
    }

    /** Reads page {@code index} through {@code in} and decrypts it into {@code buf}. */
    int decrypt(long index, IndexInput in, byte[] buf) throws IOException {
        boolean last = index == lastPage;
        int plain = last ? (int) (length - (lastPage << pageShift)) : 1 << pageShift;
        try {
            in.seek(header.length() + index * ((1L << pageShift) + PageCipher.TAG_BYTES));
            in.readBytes(buf, 0, plain + PageCipher.TAG_BYTES);
        } catch (EOFException e) {
            throw new CorruptIndexException("truncated at page " + index, resource, e);
        }
        if (!PageCipher.get().open(key(), nameBytes, index, last, buf, plain)) {
            Arrays.fill(buf, 0, plain, (byte) 0);
            throw new CorruptIndexException(
                    "page " + index + " does not authenticate: tampered, moved, truncated, or wrong key", resource);
        }
        return plain;
    }

    /** Decrypts plaintext {@code [offset, offset + dst.byteSize())} into {@code dst}. */
    void decryptRange(long offset, MemorySegment dst) throws IOException {
        IndexInput in = raw.clone();
        byte[] buf = PageCipher.get().buffer();
        MemorySegment src = MemorySegment.ofArray(buf);
        long end = offset + dst.byteSize();
        try {
            for (long index = offset >>> pageShift; (index << pageShift) < end; index++) {
                long start = index << pageShift;
                int plain = decrypt(index, in, buf);
                long from = Math.max(offset, start);
                long to = Math.min(end, start + plain);
                MemorySegment.copy(src, from - start, dst, from - offset, to - from);
            }
        } finally {
            Arrays.fill(buf, (byte) 0);
        }
    }

    /**
     * Plaintext {@code [offset, offset + length)} decrypted whole into off-heap memory, or null if
     * the vector budget of the cache cannot hold it. Lives until this file closes.
     */
    Region region(long offset, long length) throws IOException {
        Span span = new Span(offset, length);
        synchronized (regionLock) {
            Region region = regions.get(span);
            if (region == null && cache.reserveVectorBytes(length)) {
                region = new Region(this, offset, length);
                cache.register(region); // before decrypting, so that a concurrent wipe() sees it
                try {
                    region.segment();
                } catch (Throwable t) {
                    cache.deregister(region);
                    region.close();
                    cache.releaseVectorBytes(length);
                    throw t;
                }
                regions.put(span, region);
            }
            return region;
        }
    }

    private SecretKeySpec key() throws IOException {
        if (cache.isClosed()) {
            throw new AlreadyClosedException("Already closed: " + resource);
        }
        SecretKeySpec k = key;
        if (k == null) {
            synchronized (this) {
                k = key;
                if (k == null) {
                    key = k = header.deriveKey(keys, resource);
                }
            }
        }
        return k;
    }

    /**
     * Forgets the derived key; the next decryption derives it again from the dataset key.
     * Synchronized with the derivation, so a key derived during a wipe is not kept after it.
     */
    @Override
    public synchronized void wipe() {
        key = null;
    }

    @Override
    public void close() throws IOException {
        cache.deregister(this);
        key = null;
        try {
            for (Region region : regions.values()) {
                cache.deregister(region);
                region.close();
                cache.releaseVectorBytes(region.length);
            }
            regions.clear();
        } finally {
            raw.close();
        }
    }

    private record Span(long offset, long length) {}
}
