package com.strongroom.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.crypto.SecretKeyBytes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.NIOFSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** After a DEK rotation new files use the new version and old files stay readable with theirs. */
class KeyVersionTest {
    @TempDir
    Path path;

    /** A keyring of versions for one dataset, as the key manager provides it. */
    private static final class Versions implements IndexKeys {
        final Map<Integer, SecretKeyBytes> keys = new HashMap<>();
        int primary;

        int rotate() {
            keys.put(++primary, SecretKeyBytes.random(32));
            return primary;
        }

        @Override
        public int writeVersion() {
            return primary;
        }

        @Override
        public SecretKeyBytes key(int version) throws IOException {
            SecretKeyBytes key = keys.get(version);
            if (key == null) {
                throw new CorruptIndexException("no key version " + version, "test keyring");
            }
            return key;
        }
    }

    private EncryptedDirectory open(Versions versions) throws IOException {
        return EncryptedDirectory.create(
                new NIOFSDirectory(path),
                versions,
                PageCache.create(1 << 20, 1 << 20),
                EncryptedDirectory.DEFAULT_PAGE_SIZE);
    }

    private static void write(EncryptedDirectory dir, String name, byte[] content) throws IOException {
        try (IndexOutput out = dir.createOutput(name, IOContext.DEFAULT)) {
            out.writeBytes(content, content.length);
        }
    }

    private static byte[] read(EncryptedDirectory dir, String name) throws IOException {
        try (IndexInput in = dir.openInput(name, IOContext.DEFAULT)) {
            byte[] bytes = new byte[(int) in.length()];
            in.readBytes(bytes, 0, bytes.length);
            return bytes;
        }
    }

    private int versionOnDisk(String name) throws IOException {
        try (IndexInput raw = new NIOFSDirectory(path).openInput(name, IOContext.READONCE)) {
            return FileHeader.read(raw, name, name).keyVersion();
        }
    }

    @Test
    void filesRecordTheirKeyVersion_andStayReadableAfterRotation() throws IOException {
        Versions versions = new Versions();
        versions.rotate();
        byte[] old = "written under version one".getBytes();
        byte[] fresh = "written under version two".getBytes();
        try (EncryptedDirectory dir = open(versions)) {
            write(dir, "_0.dat", old);
            versions.rotate();
            write(dir, "_1.dat", fresh);
            assertArrayEquals(old, read(dir, "_0.dat"));
            assertArrayEquals(fresh, read(dir, "_1.dat"));
        }
        assertEquals(1, versionOnDisk("_0.dat"));
        assertEquals(2, versionOnDisk("_1.dat"));
        try (EncryptedDirectory reopened = open(versions)) {
            assertArrayEquals(old, read(reopened, "_0.dat"), "old version still read after a restart");
        }
    }

    @Test
    void aMissingVersion_isCorrupt_andAShreddedVersion_failsAsClosed() throws IOException {
        Versions versions = new Versions();
        versions.rotate();
        versions.rotate();
        try (EncryptedDirectory dir = open(versions)) {
            write(dir, "_0.dat", new byte[100]);
        }
        versions.keys.get(2).destroy();
        try (EncryptedDirectory dir = open(versions)) {
            assertThrows(AlreadyClosedException.class, () -> read(dir, "_0.dat"));
        }
        versions.keys.remove(2);
        try (EncryptedDirectory dir = open(versions)) {
            CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> read(dir, "_0.dat"));
            assertTrue(e.getMessage().contains("version 2"), e.getMessage());
        }
    }
}
