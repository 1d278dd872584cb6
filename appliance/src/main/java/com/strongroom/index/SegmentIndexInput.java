package com.strongroom.index;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Optional;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.MemorySegmentAccessInput;

/**
 * Reads a {@link Region}: plaintext decrypted whole into one off-heap segment. Implements {@link
 * MemorySegmentAccessInput}, so Lucene's vector scorers run SIMD directly on it.
 *
 * <p>If a wipe drops the region's memory, the next access throws {@link IllegalStateException};
 * the input then fetches the region again (decrypting it anew, or failing with {@link
 * org.apache.lucene.store.AlreadyClosedException} once the key is gone) and retries.
 */
final class SegmentIndexInput extends IndexInput implements MemorySegmentAccessInput {
    private static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final EncryptedFile file;
    private final Region region;
    private final long offset;
    private final long length;
    private boolean isClone;
    /** This input's range of the region's view. */
    private MemorySegment segment;

    private long pos;

    SegmentIndexInput(String resourceDesc, EncryptedFile file, Region region, boolean owner) throws IOException {
        this(resourceDesc, file, region, 0, region.length, !owner);
    }

    private SegmentIndexInput(
            String resourceDesc, EncryptedFile file, Region region, long offset, long length, boolean isClone)
            throws IOException {
        super(resourceDesc);
        this.file = file;
        this.region = region;
        this.offset = offset;
        this.length = length;
        this.isClone = isClone;
        this.segment = region.segment().asSlice(offset, length);
    }

    /** Fetches the region's live view again; throws if the input was closed or the key is gone. */
    private MemorySegment refresh() throws IOException {
        return segment = region.segment().asSlice(offset, length);
    }

    /** The slow path, after a wipe closed the view under us: refresh and retry until it holds. */
    private <T> T retry(Access<T> access) throws IOException {
        while (true) {
            MemorySegment s = refresh(); // outside the try: AlreadyClosedException is an IllegalStateException
            try {
                return access.apply(s);
            } catch (IndexOutOfBoundsException e) {
                throw eof(e);
            } catch (IllegalStateException e) {
                // wiped again meanwhile
            }
        }
    }

    private interface Access<T> {
        T apply(MemorySegment segment);
    }

    private EOFException eof(RuntimeException cause) {
        EOFException e = new EOFException("read past EOF: " + this);
        e.initCause(cause);
        return e;
    }

    @Override
    public byte readByte() throws IOException {
        byte b = readByte(pos);
        pos++;
        return b;
    }

    @Override
    public void readBytes(byte[] b, int offset, int len) throws IOException {
        readBytes(pos, b, offset, len);
        pos += len;
    }

    @Override
    public short readShort() throws IOException {
        short v = readShort(pos);
        pos += Short.BYTES;
        return v;
    }

    @Override
    public int readInt() throws IOException {
        int v = readInt(pos);
        pos += Integer.BYTES;
        return v;
    }

    @Override
    public long readLong() throws IOException {
        long v = readLong(pos);
        pos += Long.BYTES;
        return v;
    }

    @Override
    public void readInts(int[] dst, int offset, int len) throws IOException {
        try {
            MemorySegment.copy(segment, LE_INT, pos, dst, offset, len);
        } catch (IndexOutOfBoundsException e) {
            throw eof(e);
        } catch (IllegalStateException e) {
            retry(s -> {
                MemorySegment.copy(s, LE_INT, pos, dst, offset, len);
                return null;
            });
        }
        pos += (long) len * Integer.BYTES;
    }

    @Override
    public void readLongs(long[] dst, int offset, int len) throws IOException {
        try {
            MemorySegment.copy(segment, LE_LONG, pos, dst, offset, len);
        } catch (IndexOutOfBoundsException e) {
            throw eof(e);
        } catch (IllegalStateException e) {
            retry(s -> {
                MemorySegment.copy(s, LE_LONG, pos, dst, offset, len);
                return null;
            });
        }
        pos += (long) len * Long.BYTES;
    }

    @Override
    public void readFloats(float[] dst, int offset, int len) throws IOException {
        try {
            MemorySegment.copy(segment, LE_FLOAT, pos, dst, offset, len);
        } catch (IndexOutOfBoundsException e) {
            throw eof(e);
        } catch (IllegalStateException e) {
            retry(s -> {
                MemorySegment.copy(s, LE_FLOAT, pos, dst, offset, len);
                return null;
            });
        }
        pos += (long) len * Float.BYTES;
    }

    @Override
    public byte readByte(long pos) throws IOException {
        try {
            return segment.get(ValueLayout.JAVA_BYTE, pos);
        } catch (IndexOutOfBoundsException e) {
            throw eof(e);
        } catch (IllegalStateException e) {
            return retry(s -> s.get(ValueLayout.JAVA_BYTE, pos));
        }
    }

    @Override
    public void readBytes(long pos, byte[] b, int offset, int len) throws IOException {
        try {
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, pos, b, offset, len);
        } catch (IndexOutOfBoundsException e) {
            throw eof(e);
        } catch (IllegalStateException e) {
            retry(s -> {
                MemorySegment.copy(s, ValueLayout.JAVA_BYTE, pos, b, offset, len);
                return null;
            });
        }
    }

    @Override
    public short readShort(long pos) throws IOException {
        try {
            return segment.get(LE_SHORT, pos);
        } catch (IndexOutOfBoundsException e) {
            throw eof(e);
        } catch (IllegalStateException e) {
            return retry(s -> s.get(LE_SHORT, pos));
        }
    }

    @Override
    public int readInt(long pos) throws IOException {
        try {
            return segment.get(LE_INT, pos);
        } catch (IndexOutOfBoundsException e) {
            throw eof(e);
        } catch (IllegalStateException e) {
            return retry(s -> s.get(LE_INT, pos));
        }
    }

    @Override
    public long readLong(long pos) throws IOException {
        try {
            return segment.get(LE_LONG, pos);
        } catch (IndexOutOfBoundsException e) {
            throw eof(e);
        } catch (IllegalStateException e) {
            return retry(s -> s.get(LE_LONG, pos));
        }
    }

    @Override
    public MemorySegment segmentSliceOrNull(long pos, long len) throws IOException {
        if ((pos | len) < 0 || len > length - pos) {
            throw new EOFException("segmentSliceOrNull(" + pos + ", " + len + ") past EOF: " + this);
        }
        MemorySegment s = segment;
        return (s.scope().isAlive() ? s : refresh()).asSlice(pos, len);
    }

    @Override
    public long getFilePointer() {
        return pos;
    }

    @Override
    public void seek(long pos) throws IOException {
        if (pos < 0) {
            throw new IllegalArgumentException("negative position " + pos + ": " + this);
        }
        if (pos > length) {
            throw new EOFException("read past EOF: pos=" + pos + " vs length=" + length + ": " + this);
        }
        this.pos = pos;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public Optional<Boolean> isLoaded() {
        return Optional.of(Boolean.TRUE);
    }

    @Override
    public SegmentIndexInput clone() {
        SegmentIndexInput clone = (SegmentIndexInput) super.clone();
        clone.isClone = true;
        return clone;
    }

    @Override
    public IndexInput slice(String sliceDescription, long offset, long length) throws IOException {
        if ((length | offset) < 0 || length > this.length - offset) {
            throw new IllegalArgumentException("slice() " + sliceDescription + " out of bounds: offset=" + offset
                    + ",length=" + length + ",fileLength=" + this.length + ": " + this);
        }
        return new SegmentIndexInput(
                getFullSliceDescription(sliceDescription), file, region, this.offset + offset, length, true);
    }

    @Override
    public void close() throws IOException {
        if (!isClone) {
            file.close();
        }
    }
}
