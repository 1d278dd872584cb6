package com.strongroom.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything one snapshot consists of, each object with its SHA-256: the metadata database as
 * sealed pages of rows per table (the large values those rows name, documents' originals already
 * ciphertext under their dataset's key, are listed inside the pages, not here, so that a manifest
 * stays small however many documents there are; {@link PageReferences} reads them), where the change journal stood when the export
 * began, each dataset's index files exactly as they lie on disk (ciphertext under the dataset's
 * key) with the journal position their commit holds, and the audit log as sealed pages.
 * {@code previous} is the SHA-256 of the target's previous manifest: the chain that {@code backup
 * verify} walks. Authenticated as a whole ({@link BackupCrypto#withMac}).
 */
record SnapshotManifest(
        String id,
        Instant startedAt,
        Instant capturedAt,
        String previous,
        String generation,
        long nextSegment,
        Metadata metadata,
        List<IndexFiles> indexes,
        List<TablePages> audit,
        long bytesUploaded) {

    static final int FORMAT = 2;

    record Blob(String name, long size, String sha256) {}

    /** A sealed {@link TablePage}: fingerprint = keyed hash of its plaintext, so an unchanged page is reused. */
    record Page(Blob blob, String fingerprint, int rows) {}

    record TablePages(String table, List<Page> pages) {}

    /**
     * The metadata database: the schema version its rows were written under, the journal as it
     * stood when the export began ({@code prunedUpto} and the entries {@code present}, as ranges
     * [first, last]), the number the journal's sequence had reached when it ended, and how many
     * distinct large values the pages name and their size.
     */
    record Metadata(
            String schemaVersion,
            long prunedUpto,
            List<long[]> present,
            long nextSequence,
            List<TablePages> tables,
            long largeValues,
            long largeValueBytes) {}

    record IndexFiles(String datasetId, long journalPosition, List<Blob> files) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Everything the snapshot consists of, the large values its pages name included. */
    long totalBytes() {
        long total = metadata.largeValueBytes();
        for (Blob b : allObjects()) {
            total += b.size();
        }
        return total;
    }

    /** How many objects the snapshot consists of, the large values its pages name included. */
    long objectCount() {
        return allObjects().size() + metadata.largeValues();
    }

    /** Sealed pages, which verify opens as well as hashes. */
    List<Page> sealedPages() {
        List<Page> all = new ArrayList<>();
        for (TablePages t : metadata.tables()) {
            all.addAll(t.pages());
        }
        for (TablePages t : audit) {
            all.addAll(t.pages());
        }
        return all;
    }

    /** The objects the manifest names; the large values its pages name come on top ({@link PageReferences}). */
    List<Blob> allObjects() {
        List<Blob> all = new ArrayList<>();
        for (Page p : sealedPages()) {
            all.add(p.blob());
        }
        for (IndexFiles i : indexes) {
            all.addAll(i.files());
        }
        return all;
    }

    SnapshotManifest withPrevious(String previousSha) {
        return new SnapshotManifest(
                id,
                startedAt,
                capturedAt,
                previousSha,
                generation,
                nextSegment,
                metadata,
                indexes,
                audit,
                bytesUploaded);
    }

    byte[] toJson() {
        ObjectNode root = JSON.createObjectNode()
                .put("format", FORMAT)
                .put("id", id)
                .put("started_at", startedAt.toString())
                .put("captured_at", capturedAt.toString())
                .put("previous", previous)
                .put("journal_generation", generation)
                .put("journal_next_segment", nextSegment)
                .put("bytes_uploaded", bytesUploaded);
        ObjectNode m = root.putObject("metadata")
                .put("schema_version", metadata.schemaVersion())
                .put("journal_pruned_upto", metadata.prunedUpto())
                .put("journal_next_sequence", metadata.nextSequence())
                .put("large_values", metadata.largeValues())
                .put("large_value_bytes", metadata.largeValueBytes());
        ArrayNode present = m.putArray("journal_present");
        for (long[] r : metadata.present()) {
            present.addArray().add(r[0]).add(r[1]);
        }
        tables(m.putArray("tables"), metadata.tables());
        ArrayNode idx = root.putArray("indexes");
        for (IndexFiles i : indexes) {
            ObjectNode o =
                    idx.addObject().put("dataset_id", i.datasetId()).put("journal_position", i.journalPosition());
            blobs(o.putArray("files"), i.files());
        }
        tables(root.putArray("audit"), audit);
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void tables(ArrayNode array, List<TablePages> tables) {
        for (TablePages t : tables) {
            ArrayNode pages = array.addObject().put("table", t.table()).putArray("pages");
            for (Page p : t.pages()) {
                blob(pages.addObject(), p.blob())
                        .put("fingerprint", p.fingerprint())
                        .put("rows", p.rows());
            }
        }
    }

    private static void blobs(ArrayNode array, List<Blob> blobs) {
        for (Blob b : blobs) {
            blob(array.addObject(), b);
        }
    }

    private static ObjectNode blob(ObjectNode o, Blob b) {
        return o.put("name", b.name()).put("size", b.size()).put("sha256", b.sha256());
    }

    static SnapshotManifest fromJson(String name, byte[] json) throws CorruptBackupException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new CorruptBackupException(name, "is not a readable snapshot manifest");
        }
        int format = root.path("format").asInt();
        if (format != FORMAT) {
            throw new CorruptBackupException(
                    name,
                    "has manifest format " + format + "; this version reads format " + FORMAT
                            + (format == 1 ? " (format 1 was written by a development build before 0.1)" : ""));
        }
        try {
            List<IndexFiles> indexes = new ArrayList<>();
            for (JsonNode i : root.path("indexes")) {
                indexes.add(new IndexFiles(
                        i.path("dataset_id").asText(),
                        i.path("journal_position").asLong(),
                        blobs(i.path("files"))));
            }
            JsonNode m = root.path("metadata");
            List<long[]> present = new ArrayList<>();
            for (JsonNode r : m.path("journal_present")) {
                present.add(new long[] {r.path(0).asLong(), r.path(1).asLong()});
            }
            Metadata metadata = new Metadata(
                    m.path("schema_version").asText(),
                    m.path("journal_pruned_upto").asLong(),
                    present,
                    m.path("journal_next_sequence").asLong(),
                    tables(m.path("tables")),
                    m.path("large_values").asLong(),
                    m.path("large_value_bytes").asLong());
            if (!metadata.schemaVersion().matches("[0-9][0-9.]{0,20}")) {
                throw new IllegalArgumentException("schema version");
            }
            return new SnapshotManifest(
                    root.path("id").asText(),
                    Instant.parse(root.path("started_at").asText()),
                    Instant.parse(root.path("captured_at").asText()),
                    root.path("previous").isNull()
                            ? null
                            : root.path("previous").asText(null),
                    root.path("journal_generation").asText(),
                    root.path("journal_next_segment").asLong(),
                    metadata,
                    indexes,
                    tables(root.path("audit")),
                    root.path("bytes_uploaded").asLong());
        } catch (RuntimeException e) {
            throw new CorruptBackupException(name, "is not a readable snapshot manifest");
        }
    }

    private static List<TablePages> tables(JsonNode array) {
        List<TablePages> out = new ArrayList<>();
        for (JsonNode t : array) {
            String table = t.path("table").asText();
            if (!table.matches("[a-z_][a-z0-9_]{0,62}")) {
                throw new IllegalArgumentException("table name");
            }
            List<Page> pages = new ArrayList<>();
            for (JsonNode p : t.path("pages")) {
                pages.add(new Page(
                        blob(p), p.path("fingerprint").asText(), p.path("rows").asInt()));
            }
            out.add(new TablePages(table, pages));
        }
        return out;
    }

    private static List<Blob> blobs(JsonNode array) {
        List<Blob> out = new ArrayList<>();
        for (JsonNode b : array) {
            out.add(blob(b));
        }
        return out;
    }

    private static Blob blob(JsonNode b) {
        String sha = b.path("sha256").asText();
        if (!sha.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("sha256");
        }
        return new Blob(b.path("name").asText(), b.path("size").asLong(), sha);
    }

    /** Sorted sequence numbers as ranges [first, last]. */
    static List<long[]> ranges(long[] sorted) {
        List<long[]> out = new ArrayList<>();
        for (long s : sorted) {
            long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && s == last[1] + 1) {
                last[1] = s;
            } else if (last == null || s > last[1]) {
                out.add(new long[] {s, s});
            }
        }
        return out;
    }

    /** Whether the export held the journal entry {@code seq} already. */
    boolean holds(long seq) {
        if (seq <= metadata.prunedUpto()) {
            return true;
        }
        List<long[]> r = metadata.present();
        int lo = 0;
        int hi = r.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (seq < r.get(mid)[0]) {
                hi = mid - 1;
            } else if (seq > r.get(mid)[1]) {
                lo = mid + 1;
            } else {
                return true;
            }
        }
        return false;
    }
}
