package com.strongroom.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.crypto.SecretKeyBytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.tests.mockfile.FilterFileSystemProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Indexes real documents and checks that neither their text nor their vectors ever reach the disk
 * in plaintext: not in the final files, not in files Lucene deleted on the way (temp files, merged
 * segments, pending_segments), not in {@code java.io.tmpdir}. The same run on a plain directory
 * must find both, so the scan is proven to see them.
 */
class PlaintextLeakTest {
    private static final String MARKER = "zqxmarkerword";
    private static final int DOCS = 300;
    private static final int DIMS = 16;

    @TempDir
    Path tmp;

    @Test
    void encryptedIndex_neverWritesTextOrVectorsInPlaintext() throws IOException {
        Scan scan = indexAndScan(true);
        assertTrue(scan.deleted.stream().anyMatch(n -> n.startsWith("pending_segments")), "saw renames: " + scan);
        assertTrue(scan.sawTempFile, "saw temp files: " + scan);
        assertFalse(scan.marker, "marker word found on disk: " + scan);
        assertFalse(scan.vector, "vector bytes found on disk: " + scan);
    }

    @Test
    void plainIndex_writesBoth_soTheScanCanSeeThem() throws IOException {
        Scan scan = indexAndScan(false);
        assertTrue(scan.marker, "marker word not found in a plaintext index: " + scan);
        assertTrue(scan.vector, "vector bytes not found in a plaintext index: " + scan);
    }

    private Scan indexAndScan(boolean encrypted) throws IOException {
        Scan scan = new Scan();
        // Every file is scanned just before it is deleted or replaced, so nothing escapes by being short-lived.
        FilterFileSystemProvider fs = new FilterFileSystemProvider("scan", FileSystems.getDefault()) {
            @Override
            public void delete(Path path) throws IOException {
                scan.deleted(path);
                super.delete(path);
            }

            @Override
            public boolean deleteIfExists(Path path) throws IOException {
                if (Files.exists(path)) {
                    scan.deleted(path);
                }
                return super.deleteIfExists(path);
            }
        };
        Path index = fs.wrapPath(Files.createDirectories(tmp.resolve("index")));
        Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));
        String savedTmp = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", javaTmp.toString());
        try (Directory dir = encrypted
                ? EncryptedDirectory.create(
                        new MMapDirectory(index), SecretKeyBytes.random(32), PageCache.create(1 << 20, 16 << 20))
                : new MMapDirectory(index)) {
            IndexWriterConfig config = new IndexWriterConfig(new StandardAnalyzer()).setMaxBufferedDocs(40);
            try (IndexWriter writer = new IndexWriter(dir, config)) {
                for (int i = 0; i < DOCS; i++) {
                    writer.addDocument(document(i));
                    if (i % 100 == 99) {
                        writer.commit();
                    }
                }
                writer.forceMerge(1);
                writer.commit();
            }
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                assertEquals(DOCS, searcher.count(new TermQuery(new Term("body", MARKER))));
                TopDocs knn = searcher.search(new KnnFloatVectorQuery("vector", vector(123), 3), 3);
                assertEquals(
                        "doc123",
                        searcher.storedFields().document(knn.scoreDocs[0].doc).get("id"));
            }
        } finally {
            System.setProperty("java.io.tmpdir", savedTmp);
        }
        try (Stream<Path> files = Stream.concat(Files.walk(index), Files.walk(javaTmp))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                scan.file(file);
            }
        }
        return scan;
    }

    private static Document document(int i) {
        Document doc = new Document();
        doc.add(new StringField("id", "doc" + i, Field.Store.YES));
        StringBuilder body = new StringBuilder();
        for (int j = 0; j < 20; j++) {
            body.append("chunk ").append(i).append(' ').append(MARKER).append(" of the quarterly report ");
        }
        doc.add(new TextField("body", body.toString(), Field.Store.YES));
        doc.add(new KnnFloatVectorField("vector", vector(i), VectorSimilarityFunction.COSINE));
        return doc;
    }

    /** Distinct per document, with a fixed run of values that makes the stored bytes easy to find. */
    private static float[] vector(int i) {
        float[] v = new float[DIMS];
        for (int j = 0; j < DIMS; j++) {
            v[j] = j < 4 ? 0.3141592f + j : (float) Math.sin(i * 0.37 + j);
        }
        return v;
    }

    private static final class Scan {
        private static final byte[] MARKER_BYTES = MARKER.getBytes(StandardCharsets.UTF_8);
        private static final byte[] VECTOR_BYTES;

        static {
            ByteBuffer b = ByteBuffer.allocate(4 * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int j = 0; j < 4; j++) {
                b.putFloat(0.3141592f + j);
            }
            VECTOR_BYTES = b.array();
        }

        final List<String> names = new ArrayList<>();
        final List<String> deleted = new ArrayList<>();
        boolean sawTempFile;
        boolean marker;
        boolean vector;

        void deleted(Path path) throws IOException {
            deleted.add(path.getFileName().toString());
            file(path);
        }

        void file(Path path) throws IOException {
            byte[] bytes = Files.readAllBytes(path);
            String name = path.getFileName().toString();
            names.add(name);
            sawTempFile |= name.endsWith(".tmp");
            marker |= contains(bytes, MARKER_BYTES);
            vector |= contains(bytes, VECTOR_BYTES);
        }

        private static boolean contains(byte[] haystack, byte[] needle) {
            outer:
            for (int i = 0; i + needle.length <= haystack.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (haystack[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        }

        @Override
        public String toString() {
            return "scanned " + names.size() + " files, of them deleted " + deleted;
        }
    }
}
