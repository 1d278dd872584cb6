package com.strongroom.index;

import com.strongroom.crypto.SecretKeyBytes;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.store.NIOFSDirectory;
import org.apache.lucene.tests.store.BaseDirectoryTestCase;

/** Lucene's Directory conformance suite, as Lucene runs it for its own directories. */
public class TestEncryptedDirectory extends BaseDirectoryTestCase {

    @Override
    protected Directory getDirectory(Path path) throws IOException {
        // Small caches and every page size, so eviction and page boundaries are exercised.
        FSDirectory delegate = random().nextBoolean() ? new MMapDirectory(path) : new NIOFSDirectory(path);
        PageCache cache =
                PageCache.create((64 << 10) * (1 + random().nextInt(8)), random().nextBoolean() ? 0 : 1 << 20);
        int pageSize = 8192 << random().nextInt(4);
        return EncryptedDirectory.create(delegate, SecretKeyBytes.random(32), cache, pageSize);
    }
}
