package com.strongroom.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.crypto.SecretKeyBytes;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.NIOFSDirectory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ciphertext changed on disk must fail the read with CorruptIndexException, never yield wrong data. */
class TamperTest {
    private static final int PAGE = 8192;
    private static final int STRIDE = PAGE + PageCipher.TAG_BYTES;
    private static final int LENGTH = 3 * PAGE + 1234;

    @TempDir
    Path path;

    private final SecretKeyBytes dek = SecretKeyBytes.random(32);
    private final byte[] content = new byte[LENGTH];

    @BeforeEach
    void writeFiles() throws IOException {
        new Random(42).nextBytes(content);
        try (EncryptedDirectory dir = open()) {
            for (String name : new String[] {"_0.dat", "_1.dat"}) {
                try (IndexOutput out = dir.createOutput(name, IOContext.DEFAULT)) {
                    out.writeBytes(content, content.length);
                }
            }
            assertArrayEquals(content, readAll(dir, "_0.dat"), "untouched files read back");
        }
    }

    /** A fresh directory, as after a restart: nothing of the file is cached. */
    private EncryptedDirectory open() throws IOException {
        return EncryptedDirectory.create(new NIOFSDirectory(path), dek, PageCache.create(1 << 20, 1 << 20), PAGE);
    }

    private static byte[] readAll(EncryptedDirectory dir, String name) throws IOException {
        try (IndexInput in = dir.openInput(name, IOContext.DEFAULT)) {
            byte[] bytes = new byte[(int) in.length()];
            in.readBytes(bytes, 0, bytes.length);
            return bytes;
        }
    }

    private long headerLength() {
        return FileHeader.create("_0.dat", 13, 1).length();
    }

    private void assertCorrupt(String name) throws IOException {
        try (EncryptedDirectory dir = open()) {
            CorruptIndexException e = assertThrows(CorruptIndexException.class, () -> readAll(dir, name));
            assertTrue(e.getMessage().contains(name), "names the resource: " + e.getMessage());
        }
    }

    @Test
    void flippedByte_failsWithCorruptIndexException() throws IOException {
        byte[] raw = Files.readAllBytes(path.resolve("_0.dat"));
        raw[(int) headerLength() + STRIDE + 100] ^= 0x01;
        Files.write(path.resolve("_0.dat"), raw);
        assertCorrupt("_0.dat");
    }

    @Test
    void flippedTagByte_failsWithCorruptIndexException() throws IOException {
        byte[] raw = Files.readAllBytes(path.resolve("_0.dat"));
        raw[(int) headerLength() + STRIDE - 1] ^= (byte) 0x80;
        Files.write(path.resolve("_0.dat"), raw);
        assertCorrupt("_0.dat");
    }

    @Test
    void flippedSaltByte_failsWithCorruptIndexException() throws IOException {
        byte[] raw = Files.readAllBytes(path.resolve("_0.dat"));
        raw[10] ^= 0x01; // inside the salt: another key
        Files.write(path.resolve("_0.dat"), raw);
        assertCorrupt("_0.dat");
    }

    @Test
    void swappedPages_failWithCorruptIndexException() throws IOException {
        byte[] raw = Files.readAllBytes(path.resolve("_0.dat"));
        int first = (int) headerLength();
        byte[] page0 = Arrays.copyOfRange(raw, first, first + STRIDE);
        System.arraycopy(raw, first + STRIDE, raw, first, STRIDE);
        System.arraycopy(page0, 0, raw, first + STRIDE, STRIDE);
        Files.write(path.resolve("_0.dat"), raw);
        assertCorrupt("_0.dat");
    }

    @Test
    void swappedFiles_failWithCorruptIndexException() throws IOException {
        Path a = path.resolve("_0.dat");
        Path b = path.resolve("_1.dat");
        Path t = path.resolve("swap");
        Files.move(a, t);
        Files.move(b, a);
        Files.move(t, b);
        assertCorrupt("_0.dat");
        assertCorrupt("_1.dat");
    }

    @Test
    void swappedFileWithRewrittenName_failsWithCorruptIndexException() throws IOException {
        // The other file's content, with its header claiming this name: the key no longer matches.
        byte[] raw = Files.readAllBytes(path.resolve("_1.dat"));
        raw[(int) headerLength() - 5] = '0';
        Files.write(path.resolve("_0.dat"), raw);
        assertCorrupt("_0.dat");
    }

    @Test
    void fileFromAnotherKey_failsWithCorruptIndexException() throws IOException {
        Path other = path.resolve("other");
        try (EncryptedDirectory dir = EncryptedDirectory.create(
                        new NIOFSDirectory(other), SecretKeyBytes.random(32), PageCache.create(1 << 20, 0), PAGE);
                IndexOutput out = dir.createOutput("_0.dat", IOContext.DEFAULT)) {
            out.writeBytes(content, content.length);
        }
        Files.copy(other.resolve("_0.dat"), path.resolve("_0.dat"), StandardCopyOption.REPLACE_EXISTING);
        assertCorrupt("_0.dat");
    }

    @Test
    void truncatedFile_failsWithCorruptIndexException() throws IOException {
        Path file = path.resolve("_0.dat");
        byte[] original = Files.readAllBytes(file);
        long header = headerLength();
        // the whole last page, part of it, all but the first page, everything after the header,
        // part of the header, all of it
        for (long size : new long[] {header + 3L * STRIDE, original.length - 1, header + STRIDE, header, 5, 0}) {
            Files.write(file, original);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(size);
            }
            assertCorrupt("_0.dat");
        }
    }

    @Test
    void appendedBytes_failWithCorruptIndexException() throws IOException {
        Files.write(path.resolve("_0.dat"), new byte[PageCipher.TAG_BYTES + 1], StandardOpenOption.APPEND);
        assertCorrupt("_0.dat");
    }
}
