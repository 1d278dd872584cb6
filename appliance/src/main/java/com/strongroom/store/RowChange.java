package com.strongroom.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row change as the journal stores it: the operation, the table, the primary key and the
 * columns that changed (all of them for an insert, none for a delete).
 *
 * <p><b>Encoding.</b> op (byte I/U/D), table, key columns, value columns; a name is UTF-8 with an
 * int length, a value a tag byte then its data: 0 null, 1 string, 2 int, 3 long, 4 boolean, 5
 * bytes, 6 timestamp with time zone (epoch second, nano, offset seconds), 7 double. Large objects
 * are read whole: CLOB as a string, BLOB as bytes.
 */
public record RowChange(char op, String table, Map<String, Object> key, Map<String, Object> values) {
    public static final char INSERT = 'I';
    public static final char UPDATE = 'U';
    public static final char DELETE = 'D';

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(op);
            writeString(out, table);
            writeColumns(out, key);
            writeColumns(out, values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static RowChange decode(byte[] encoded) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded));
        char op = (char) in.readByte();
        if (op != INSERT && op != UPDATE && op != DELETE) {
            throw new IOException("not a row change (operation " + (int) op + ")");
        }
        String table = readString(in);
        return new RowChange(op, table, readColumns(in), readColumns(in));
    }

    private static void writeColumns(DataOutputStream out, Map<String, Object> columns) throws IOException {
        out.writeInt(columns.size());
        for (Map.Entry<String, Object> c : columns.entrySet()) {
            writeString(out, c.getKey());
            writeValue(out, c.getValue());
        }
    }

    private static Map<String, Object> readColumns(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 10_000) {
            throw new IOException("bad column count " + n);
        }
        Map<String, Object> columns = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            columns.put(readString(in), readValue(in));
        }
        return columns;
    }

    /** The value as the journal keeps it: large objects read whole, everything else as is. */
    public static Object normalise(Object value) throws SQLException {
        if (value instanceof Clob clob) {
            return clob.getSubString(1, (int) clob.length());
        }
        if (value instanceof Blob blob) {
            return blob.getBytes(1, (int) blob.length());
        }
        return value;
    }

    private static void writeValue(DataOutputStream out, Object v) throws IOException {
        switch (v) {
            case null -> out.writeByte(0);
            case String s -> {
                out.writeByte(1);
                writeString(out, s);
            }
            case Integer i -> {
                out.writeByte(2);
                out.writeInt(i);
            }
            case Long l -> {
                out.writeByte(3);
                out.writeLong(l);
            }
            case Boolean b -> {
                out.writeByte(4);
                out.writeBoolean(b);
            }
            case byte[] b -> {
                out.writeByte(5);
                out.writeInt(b.length);
                out.write(b);
            }
            case OffsetDateTime t -> {
                out.writeByte(6);
                out.writeLong(t.toEpochSecond());
                out.writeInt(t.getNano());
                out.writeInt(t.getOffset().getTotalSeconds());
            }
            case Double d -> {
                out.writeByte(7);
                out.writeDouble(d);
            }
            default ->
                throw new IllegalArgumentException(
                        "the journal cannot store a " + v.getClass().getName());
        }
    }

    private static Object readValue(DataInputStream in) throws IOException {
        int tag = in.readByte();
        return switch (tag) {
            case 0 -> null;
            case 1 -> readString(in);
            case 2 -> in.readInt();
            case 3 -> in.readLong();
            case 4 -> in.readBoolean();
            case 5 -> {
                int n = in.readInt();
                if (n < 0) {
                    throw new IOException("bad length " + n);
                }
                yield in.readNBytes(n);
            }
            case 6 -> {
                long second = in.readLong();
                int nano = in.readInt();
                int offset = in.readInt();
                yield OffsetDateTime.ofInstant(Instant.ofEpochSecond(second, nano), ZoneOffset.ofTotalSeconds(offset));
            }
            case 7 -> in.readDouble();
            default -> throw new IOException("unknown value tag " + tag);
        };
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > (64 << 20)) {
            throw new IOException("bad string length " + n);
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
}
