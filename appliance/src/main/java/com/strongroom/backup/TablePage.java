package com.strongroom.backup;

import com.strongroom.store.RowChange;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A run of consecutive rows of one table, as a snapshot stores them: each row as an insert, with
 * its large values (a document's encrypted original) left out and named instead by size and
 * SHA-256, because they are stored once as objects of their own and never sent again.
 *
 * <p><b>Encoding.</b> "SRP1", table, row count, then per row: the insert's encoding (length and
 * bytes, {@link RowChange#encode}) and its references (count; column, size, SHA-256 each).
 */
record TablePage(String table, List<Row> rows) {
    private static final byte[] MAGIC = "SRP1".getBytes(StandardCharsets.US_ASCII);

    /** A value stored as an object of its own. */
    record Ref(String column, long size, String sha256) {}

    record Row(RowChange insert, List<Ref> refs) {}

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeUTF(table);
            out.writeInt(rows.size());
            for (Row r : rows) {
                byte[] e = r.insert().encode();
                out.writeInt(e.length);
                out.write(e);
                out.writeShort(r.refs().size());
                for (Ref ref : r.refs()) {
                    out.writeUTF(ref.column());
                    out.writeLong(ref.size());
                    out.writeUTF(ref.sha256());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static TablePage decode(byte[] encoded) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded));
        byte[] magic = in.readNBytes(MAGIC.length);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new IOException("not a table page");
        }
        String table = in.readUTF();
        int n = in.readInt();
        if (n < 0 || n > encoded.length) {
            throw new IOException("bad row count " + n);
        }
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int len = in.readInt();
            if (len < 0 || len > encoded.length) {
                throw new IOException("bad row length " + len);
            }
            RowChange insert = RowChange.decode(in.readNBytes(len));
            if (insert.op() != RowChange.INSERT || !insert.table().equals(table)) {
                throw new IOException("a page of " + table + " holds a row that is not an insert into it");
            }
            int refs = in.readUnsignedShort();
            List<Ref> list = new ArrayList<>(refs);
            for (int j = 0; j < refs; j++) {
                String column = in.readUTF();
                long size = in.readLong();
                String sha = in.readUTF();
                if (!sha.matches("[0-9a-f]{64}") || size < 0) {
                    throw new IOException("a page of " + table + " names a malformed object");
                }
                list.add(new Ref(column, size, sha));
            }
            rows.add(new Row(insert, List.copyOf(list)));
        }
        if (in.read() != -1) {
            throw new IOException("a page of " + table + " has trailing bytes");
        }
        return new TablePage(table, List.copyOf(rows));
    }
}
