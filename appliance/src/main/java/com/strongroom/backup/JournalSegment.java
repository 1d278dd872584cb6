package com.strongroom.backup;

import com.strongroom.store.JournalEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A numbered batch of journal entries, sealed under the backup key and bound to its name (so a
 * segment cannot be moved to another number or generation unnoticed).
 *
 * <p>Plaintext: "SRJ1", generation, number, entry count, then per entry seq, epoch second, nano,
 * kind, dataset id ("" for none), payload (length + bytes).
 */
record JournalSegment(String generation, long number, List<JournalEntry> entries) {
    static final String LABEL = "strongroom/journal-segment/v1";

    String name() {
        return ObjectNames.segment(generation, number);
    }

    Instant lastAt() {
        return entries.isEmpty()
                ? Instant.EPOCH
                : entries.get(entries.size() - 1).at();
    }

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write("SRJ1".getBytes(StandardCharsets.US_ASCII));
            out.writeUTF(generation);
            out.writeLong(number);
            out.writeInt(entries.size());
            for (JournalEntry e : entries) {
                out.writeLong(e.seq());
                out.writeLong(e.at().getEpochSecond());
                out.writeInt(e.at().getNano());
                out.writeUTF(e.kind());
                out.writeUTF(e.datasetId() == null ? "" : e.datasetId());
                out.writeInt(e.payload().length);
                out.write(e.payload());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static JournalSegment decode(String name, byte[] plain) throws CorruptBackupException {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(plain));
            byte[] magic = in.readNBytes(4);
            if (!"SRJ1".equals(new String(magic, StandardCharsets.US_ASCII))) {
                throw new CorruptBackupException(name, "is not a journal segment");
            }
            String generation = in.readUTF();
            long number = in.readLong();
            int n = in.readInt();
            if (n < 0) {
                throw new IOException("bad count");
            }
            List<JournalEntry> entries = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long seq = in.readLong();
                Instant at = Instant.ofEpochSecond(in.readLong(), in.readInt());
                String kind = in.readUTF();
                String dataset = in.readUTF();
                int len = in.readInt();
                if (len < 0) {
                    throw new IOException("bad length");
                }
                entries.add(new JournalEntry(seq, at, kind, dataset.isEmpty() ? null : dataset, in.readNBytes(len)));
            }
            return new JournalSegment(generation, number, entries);
        } catch (IOException e) {
            throw new CorruptBackupException(name, "is truncated or malformed");
        }
    }
}
