package com.strongroom.index;

import com.strongroom.crypto.SecretKeyBytes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.FileDataHint;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.Lock;
import org.apache.lucene.store.LockFactory;
import org.apache.lucene.store.ReadOnceHint;
import org.apache.lucene.util.IOUtils;

/**
 * A file-system directory whose every file is encrypted (AES-256-GCM through BC-FIPS) and
 * authenticated page by page.
 *
 * <p><b>Format.</b> A clear-text {@link FileHeader} (magic, version, page size, random salt, the
 * file name the content is bound to), then pages: each is {@code pageSize} plaintext bytes (the
 * last 1..pageSize, or 0 in an empty file) stored as ciphertext + 16-byte tag. The per-file key is
 * HKDF-SHA256(DEK, salt, header). Each page's nonce is its index and its AAD binds the name, the
 * index, a last-page flag and its plaintext length (see {@link PageCipher}). So a flipped byte,
 * swapped pages, a file swapped for another and a truncated file all fail with {@link
 * org.apache.lucene.index.CorruptIndexException} naming the resource; opening a file authenticates
 * its last page, and with it {@link IndexInput#length()}, which is the plaintext length.
 *
 * <p><b>Rename.</b> Content is bound to its name, so Lucene's {@code pending_segments_N ->
 * segments_N} must re-encrypt. {@link #rename} writes the content bound to the new name into a
 * temp file, fsyncs it, atomically moves it over the destination and then deletes the source. A
 * crash leaves either the old state or the new one (plus, at worst, a stray temp or source file
 * that Lucene's file deleter removes). It costs a copy of the file, which is fine for the small
 * segments files that are Lucene's only renames.
 *
 * <p><b>Reads.</b> Decrypted pages go to the directory's bounded off-heap {@link PageCache}; reads
 * copy out of it. Vector data (files or compound-file slices opened with {@link
 * FileDataHint#KNN_VECTORS}) is decrypted whole into one segment and read through {@link
 * org.apache.lucene.store.MemorySegmentAccessInput}, so Lucene's SIMD scorers work in place, as
 * long as the cache's vector budget allows; otherwise it is paged like everything else.
 *
 * <p><b>Why an {@link FSDirectory}.</b> It is one: writes, deletes, renames, fsync, temp names and
 * pending deletions are FSDirectory's own code on {@link #getDirectory()}, so Lucene's file-system
 * semantics are unchanged. The delegate directory on the same path supplies the ciphertext reads
 * (memory-mapped or NIO, the caller's choice) and the locks.
 *
 * <p>Not covered: replacing a file with an older version of itself under the same name (rollback);
 * that needs a MAC over the commit, which belongs to the layer that holds commit metadata.
 */
public final class EncryptedDirectory extends FSDirectory {
    static final int MIN_PAGE_SHIFT = 13;
    static final int MAX_PAGE_SHIFT = 16;
    static final int MAX_PAGE_SIZE = 1 << MAX_PAGE_SHIFT;
    public static final int DEFAULT_PAGE_SIZE = 16 * 1024;
    /** Lucene99FlatVectorsFormat's data files, the float vectors HNSW reads at random. */
    static final String VECTOR_DATA_SUFFIX = ".vec";

    private final FSDirectory delegate;
    private final IndexKeys keys;
    private final PageCache cache;
    private final int pageShift;
    /**
     * Files whose output is still open. Their content is incomplete, so opening them for reading is
     * refused with {@link AccessDeniedException}, as Lucene's MockDirectoryWrapper refuses it.
     */
    private final Map<String, Object> writing = new ConcurrentHashMap<>();

    private EncryptedDirectory(FSDirectory delegate, IndexKeys keys, PageCache cache, int pageShift)
            throws IOException {
        super(delegate.getDirectory(), new DelegateLocks(delegate));
        this.delegate = delegate;
        this.keys = keys;
        this.cache = cache;
        this.pageShift = pageShift;
    }

    /** Same as {@link #create(FSDirectory, SecretKeyBytes, PageCache, int)} with 16 KiB pages. */
    public static EncryptedDirectory create(FSDirectory delegate, SecretKeyBytes dek, PageCache cache)
            throws IOException {
        return create(delegate, dek, cache, DEFAULT_PAGE_SIZE);
    }

    /**
     * @param delegate reads the ciphertext and provides locks; closed with this directory
     * @param dek the dataset's data key, 32 bytes; not copied, so destroying it stops all decryption
     * @param cache this directory's own cache (not shared with another directory); closed with it
     * @param pageSize plaintext bytes per page for files written from now on: 8, 16, 32 or 64 KiB.
     *     Files keep the page size they were written with.
     * @throws IllegalArgumentException if the key is not 32 bytes, the page size is not allowed, or
     *     the cache already belongs to another directory
     * @throws IllegalStateException if the key was destroyed
     */
    public static EncryptedDirectory create(FSDirectory delegate, SecretKeyBytes dek, PageCache cache, int pageSize)
            throws IOException {
        return create(delegate, IndexKeys.single(dek), cache, pageSize);
    }

    /**
     * As {@link #create(FSDirectory, SecretKeyBytes, PageCache, int)} with versioned keys: files are
     * written with {@link IndexKeys#writeVersion()} and read with the version their header names.
     */
    public static EncryptedDirectory create(FSDirectory delegate, IndexKeys keys, PageCache cache, int pageSize)
            throws IOException {
        int shift = Integer.numberOfTrailingZeros(pageSize);
        if (Integer.bitCount(pageSize) != 1 || shift < MIN_PAGE_SHIFT || shift > MAX_PAGE_SHIFT) {
            throw new IllegalArgumentException("page size must be 8, 16, 32 or 64 KiB, got " + pageSize);
        }
        EncryptedDirectory dir = new EncryptedDirectory(delegate, keys, cache, shift);
        cache.claim();
        return dir;
    }

    /**
     * The data-key version {@code file} was written with, from its clear-text header (no key is
     * needed); empty when the file is not an encrypted index file (a lock file, a stray).
     */
    public static OptionalInt keyVersionOf(Path file) throws IOException {
        byte[] head = new byte[FileHeader.KEY_VERSION_END];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, head.length) < head.length) {
                return OptionalInt.empty();
            }
        }
        return FileHeader.keyVersionOf(head);
    }

    /** As {@link #keyVersionOf(Path)} for a file of this directory. */
    public OptionalInt keyVersion(String name) throws IOException {
        ensureOpen();
        return keyVersionOf(getDirectory().resolve(name));
    }

    /** Vector data is read whole from memory; read-once passes and everything else go through pages. */
    static boolean wantsWholeSegment(String name, IOContext context) {
        Set<IOContext.FileOpenHint> hints = context.hints();
        if (hints.contains(ReadOnceHint.INSTANCE)) {
            return false;
        }
        if (hints.contains(FileDataHint.KNN_VECTORS)) {
            return true;
        }
        // Merge and flush contexts drop every hint (their withHints returns the context unchanged),
        // yet a merge builds the new segment's HNSW graph by random reads of its vectors. Through
        // pages each read costs a cache lookup and a copy: encrypted indexing ran at 0.68x plaintext.
        return context.context() != IOContext.Context.DEFAULT && name.endsWith(VECTOR_DATA_SUFFIX);
    }

    @Override
    public IndexOutput createOutput(String name, IOContext context) throws IOException {
        ensureOpen();
        Object token = new Object();
        if (writing.putIfAbsent(name, token) != null) {
            throw new FileAlreadyExistsException(name, null, "is being written");
        }
        IndexOutput out;
        try {
            out = super.createOutput(name, context);
        } catch (Throwable t) {
            writing.remove(name, token);
            throw t;
        }
        return encrypting(out, name, token);
    }

    @Override
    public IndexOutput createTempOutput(String prefix, String suffix, IOContext context) throws IOException {
        ensureOpen();
        return tempOutput(prefix, suffix, null, context);
    }

    /** A temp output whose content is bound to {@code boundName}, or to its own name if null. */
    private IndexOutput tempOutput(String prefix, String suffix, String boundName, IOContext context)
            throws IOException {
        IndexOutput out = super.createTempOutput(prefix, suffix, context);
        Object token = new Object();
        writing.put(out.getName(), token);
        return encrypting(out, boundName == null ? out.getName() : boundName, token);
    }

    /**
     * Wraps {@code out} (registered in {@link #writing} under {@code token}) with content bound to
     * {@code boundName}; on failure closes and deletes it.
     */
    private IndexOutput encrypting(IndexOutput out, String boundName, Object token) throws IOException {
        String name = out.getName();
        try {
            FileHeader header = FileHeader.create(boundName, pageShift, keys.writeVersion());
            return new EncryptingIndexOutput(
                    out, header, header.deriveKey(keys, name), () -> writing.remove(name, token));
        } catch (Throwable t) {
            writing.remove(name, token);
            IOUtils.closeWhileSuppressingExceptions(t, out);
            IOUtils.deleteFilesIgnoringExceptions(this, name);
            throw t;
        }
    }

    @Override
    public IndexInput openInput(String name, IOContext context) throws IOException {
        ensureOpen();
        EncryptedFile file = open(name, context);
        String resource = file.resource;
        try {
            if (file.length() > 0 && wantsWholeSegment(name, context)) {
                Region region = file.region(0, file.length());
                if (region != null) {
                    return new SegmentIndexInput(resource, file, region, true);
                }
            }
            return new PagedIndexInput(resource, file, context);
        } catch (Throwable t) {
            IOUtils.closeWhileSuppressingExceptions(t, file);
            throw t;
        }
    }

    private EncryptedFile open(String name, IOContext context) throws IOException {
        ensureCanRead(name);
        if (writing.containsKey(name)) {
            throw new AccessDeniedException(name, null, "is still open for writing");
        }
        String resource = "EncryptedIndexInput(path=\"" + getDirectory().resolve(name) + "\")";
        return EncryptedFile.open(name, delegate.openInput(name, context), keys, cache, resource);
    }

    /** The plaintext length, authenticated: reads the header and the last page. */
    @Override
    public long fileLength(String name) throws IOException {
        ensureOpen();
        try (EncryptedFile file = open(name, IOContext.READONCE)) {
            return file.length();
        }
    }

    @Override
    public void rename(String source, String dest) throws IOException {
        ensureOpen();
        ensureCanRead(source);
        String temp = null;
        boolean success = false;
        try {
            try (IndexInput in = openInput(source, IOContext.READONCE);
                    IndexOutput out = tempOutput("_rename", dest, dest, IOContext.DEFAULT)) {
                temp = out.getName();
                out.copyBytes(in, in.length());
            }
            fsync(temp);
            super.rename(temp, dest);
            success = true;
        } finally {
            if (!success && temp != null) {
                IOUtils.deleteFilesIgnoringExceptions(this, temp);
            }
        }
        deleteFile(source);
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            super.close();
        } finally {
            IOUtils.close(delegate, cache);
        }
    }

    /** The delegate's locks, so a lock factory configured on it is honoured. */
    private static final class DelegateLocks extends LockFactory {
        private final FSDirectory delegate;

        DelegateLocks(FSDirectory delegate) {
            this.delegate = delegate;
        }

        @Override
        public Lock obtainLock(org.apache.lucene.store.Directory dir, String lockName) throws IOException {
            return delegate.obtainLock(lockName);
        }
    }
}
