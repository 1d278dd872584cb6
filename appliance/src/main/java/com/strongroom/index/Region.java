package com.strongroom.index;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.apache.lucene.store.AlreadyClosedException;

/**
 * A range of one file's plaintext decrypted whole into one off-heap segment, so that Lucene's
 * vector scorers can read it in place.
 *
 * <p>Readers get a view of the memory under a second arena. Wiping closes that arena first, which
 * waits until no thread is inside an access and makes every later access through old views throw
 * {@link IllegalStateException}; only then is the memory zeroed and freed. A reader therefore sees
 * the plaintext or an exception, never zeroes passed off as data. This needs the restricted {@link
 * MemorySegment#reinterpret(Arena, java.util.function.Consumer)}, hence {@code
 * --enable-native-access=ALL-UNNAMED}.
 */
final class Region implements PageCache.Wipeable {
    final long length;
    private final EncryptedFile file;
    private final long offset;

    // guarded by this
    private Arena owner;
    private Arena readers;
    private MemorySegment memory;
    private MemorySegment view;
    private boolean closed;

    Region(EncryptedFile file, long offset, long length) {
        this.file = file;
        this.offset = offset;
        this.length = length;
    }

    /** The live view, decrypting again if a wipe dropped it. */
    synchronized MemorySegment segment() throws IOException {
        if (closed) {
            throw new AlreadyClosedException("Already closed: " + file.resource);
        }
        if (view == null) {
            Arena o = Arena.ofShared();
            MemorySegment m = null;
            try {
                m = o.allocate(length, 64);
                file.decryptRange(offset, m);
            } catch (Throwable t) {
                if (m != null) {
                    m.fill((byte) 0);
                }
                o.close();
                throw t;
            }
            owner = o;
            memory = m;
            readers = Arena.ofShared();
            view = m.reinterpret(readers, null);
        }
        return view;
    }

    @Override
    public synchronized void wipe() {
        if (view != null) {
            readers.close();
            memory.fill((byte) 0);
            owner.close();
            view = memory = null;
            readers = owner = null;
        }
    }

    synchronized void close() {
        wipe();
        closed = true;
    }
}
