package com.strongroom.index;

import com.strongroom.crypto.SecretKeyBytes;
import java.io.IOException;

/**
 * The versions of one dataset's data key. Each file records the version it was written with, so
 * a DEK rotation changes the key for new files while older files stay readable with theirs.
 */
public interface IndexKeys {

    /** The version new files are written with. */
    int writeVersion();

    /**
     * The key of {@code version}, 32 bytes, not copied: destroying it stops decryption.
     *
     * @throws org.apache.lucene.index.CorruptIndexException if no such version exists
     * @throws org.apache.lucene.store.AlreadyClosedException if the key was destroyed or the
     *     appliance sealed
     */
    SecretKeyBytes key(int version) throws IOException;

    /** A single key, version 1: for tools and tests that hold one key. */
    static IndexKeys single(SecretKeyBytes dek) {
        if (dek.bytes().length != 32) {
            throw new IllegalArgumentException("data key must be 32 bytes, got " + dek.bytes().length);
        }
        return new IndexKeys() {
            @Override
            public int writeVersion() {
                return 1;
            }

            @Override
            public SecretKeyBytes key(int version) throws IOException {
                if (version != 1) {
                    throw new org.apache.lucene.index.CorruptIndexException(
                            "written with key version " + version + ", only version 1 is known", "IndexKeys.single");
                }
                return dek;
            }
        };
    }
}
