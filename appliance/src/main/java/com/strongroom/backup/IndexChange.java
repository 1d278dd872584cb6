package com.strongroom.backup;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.search.ChunkRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A change to a dataset's index as the journal keeps it (sealed under the dataset's key): the
 * document's chunks with their computed vectors, so a replay never runs the model, or a delete.
 *
 * <p>Encoding: op ('R' replace, 'D' delete), document id, then for a replace the chunk count and
 * per chunk: id, content, start, end, vector (count + floats), metadata as JSON.
 */
record IndexChange(char op, String documentId, List<ChunkRecord> chunks) {
    static final char REPLACE = 'R';
    static final char DELETE = 'D';
    private static final ObjectMapper JSON = new ObjectMapper();

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(op);
            writeString(out, documentId);
            if (op == REPLACE) {
                out.writeInt(chunks.size());
                for (ChunkRecord c : chunks) {
                    writeString(out, c.chunkId());
                    writeString(out, c.content());
                    out.writeInt(c.start());
                    out.writeInt(c.end());
                    out.writeInt(c.vector().length);
                    for (float f : c.vector()) {
                        out.writeFloat(f);
                    }
                    writeString(out, JSON.writeValueAsString(c.metadata()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static IndexChange decode(byte[] encoded) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded));
        char op = (char) in.readByte();
        String documentId = readString(in);
        if (op == DELETE) {
            return new IndexChange(op, documentId, List.of());
        }
        if (op != REPLACE) {
            throw new IOException("not an index change (operation " + (int) op + ")");
        }
        int n = in.readInt();
        if (n < 0 || n > 10_000_000) {
            throw new IOException("bad chunk count " + n);
        }
        List<ChunkRecord> chunks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String id = readString(in);
            String content = readString(in);
            int start = in.readInt();
            int end = in.readInt();
            int dims = in.readInt();
            if (dims < 0 || dims > 65_536) {
                throw new IOException("bad vector length " + dims);
            }
            float[] vector = new float[dims];
            for (int d = 0; d < dims; d++) {
                vector[d] = in.readFloat();
            }
            Map<String, Object> metadata = JSON.readValue(readString(in), new TypeReference<Map<String, Object>>() {});
            chunks.add(new ChunkRecord(id, documentId, content, start, end, vector, metadata));
        }
        return new IndexChange(op, documentId, chunks);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > (256 << 20)) {
            throw new IOException("bad string length " + n);
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
}
