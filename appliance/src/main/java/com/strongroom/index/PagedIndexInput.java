package com.strongroom.index;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.apache.lucene.store.BufferedIndexInput;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;

/**
 * Reads through the page cache: a buffer refill copies out of a cached page, and only a miss
 * reads and decrypts a whole page. Clones and slices share the {@link EncryptedFile}; each keeps
 * its own ciphertext input because Lucene uses clones from many threads.
 */
final class PagedIndexInput extends BufferedIndexInput {
    private final EncryptedFile file;
    private final long offset;
    private final long length;
    private boolean isClone;
    /** Lazily cloned from the file's input, so that cloning stays cheap. */
    private IndexInput cipherIn;
    /** The page read last: a reference only, pinned again on use, so eviction may take it. */
    private PageCache.Page current;

    PagedIndexInput(String resourceDesc, EncryptedFile file, IOContext context) {
        super(resourceDesc, context);
        this.file = file;
        this.offset = 0;
        this.length = file.length();
    }

    private PagedIndexInput(String resourceDesc, EncryptedFile file, long offset, long length, int bufferSize) {
        super(resourceDesc, bufferSize);
        this.file = file;
        this.offset = offset;
        this.length = length;
        this.isClone = true;
    }

    @Override
    protected void readInternal(ByteBuffer b) throws IOException {
        long pos = offset + getFilePointer();
        int len = b.remaining();
        if (pos + len > offset + length) {
            throw new EOFException("read past EOF: " + this);
        }
        MemorySegment dst = MemorySegment.ofBuffer(b);
        for (int done = 0; done < len; ) {
            long index = pos >>> file.pageShift;
            int inPage = (int) (pos - (index << file.pageShift));
            PageCache.Page page = pin(index);
            try {
                int n = Math.min(len - done, page.length() - inPage);
                page.copyTo(inPage, dst, done, n);
                pos += n;
                done += n;
            } finally {
                page.unpin();
            }
        }
        b.position(b.limit());
    }

    private PageCache.Page pin(long index) throws IOException {
        PageCache.Page page = current;
        if (page != null && page.index() == index && page.pin()) {
            return page;
        }
        if (cipherIn == null) {
            cipherIn = file.raw.clone();
        }
        return current = file.page(index, cipherIn);
    }

    @Override
    protected void seekInternal(long pos) throws IOException {
        if (pos > length) {
            throw new EOFException("read past EOF: pos=" + pos + " vs length=" + length + ": " + this);
        }
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public PagedIndexInput clone() {
        PagedIndexInput clone = (PagedIndexInput) super.clone();
        clone.isClone = true;
        clone.cipherIn = null;
        return clone;
    }

    @Override
    public IndexInput slice(String sliceDescription, long offset, long length) throws IOException {
        return slice(sliceDescription, offset, length, IOContext.DEFAULT);
    }

    /** A slice for vector data (e.g. inside a compound file) is decrypted whole when the budget allows. */
    @Override
    public IndexInput slice(String sliceDescription, long offset, long length, IOContext context) throws IOException {
        if ((length | offset) < 0 || length > this.length - offset) {
            throw new IllegalArgumentException("slice() " + sliceDescription + " out of bounds: offset=" + offset
                    + ",length=" + length + ",fileLength=" + this.length + ": " + this);
        }
        String description = getFullSliceDescription(sliceDescription);
        if (length > 0 && EncryptedDirectory.wantsWholeSegment(sliceDescription, context)) {
            Region region = file.region(this.offset + offset, length);
            if (region != null) {
                return new SegmentIndexInput(description, file, region, false);
            }
        }
        return new PagedIndexInput(description, file, this.offset + offset, length, getBufferSize());
    }

    @Override
    public void close() throws IOException {
        if (!isClone) {
            file.close();
        }
    }
}
