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
 * blocks of its encrypted file, each dataset's index files exactly as they lie on disk (already
 * ciphertext under the dataset's key) with the journal position their commit holds, and the audit
 * log export. {@code previous} is the SHA-256 of the target's previous manifest: the chain that
 * {@code backup verify} walks. Authenticated as a whole ({@link BackupCrypto#withMac}).
 */
record SnapshotManifest(
        String id,
        Instant startedAt,
        Instant capturedAt,
        String previous,
        String generation,
        long nextSegment,
        int metadataKeyVersion,
        List<Blob> metadataBlocks,
        List<IndexFiles> indexes,
        Blob audit,
        long bytesUploaded) {

    record Blob(String name, long size, String sha256) {}

    record IndexFiles(String datasetId, long journalPosition, List<Blob> files) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    long totalBytes() {
        long total = audit.size();
        for (Blob b : metadataBlocks) {
            total += b.size();
        }
        for (IndexFiles i : indexes) {
            for (Blob b : i.files()) {
                total += b.size();
            }
        }
        return total;
    }

    List<Blob> allObjects() {
        List<Blob> all = new ArrayList<>(metadataBlocks);
        for (IndexFiles i : indexes) {
            all.addAll(i.files());
        }
        all.add(audit);
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
                metadataKeyVersion,
                metadataBlocks,
                indexes,
                audit,
                bytesUploaded);
    }

    byte[] toJson() {
        ObjectNode root = JSON.createObjectNode()
                .put("format", 1)
                .put("id", id)
                .put("started_at", startedAt.toString())
                .put("captured_at", capturedAt.toString())
                .put("previous", previous)
                .put("journal_generation", generation)
                .put("journal_next_segment", nextSegment)
                .put("metadata_key_version", metadataKeyVersion)
                .put("bytes_uploaded", bytesUploaded);
        blobs(root.putArray("metadata_blocks"), metadataBlocks);
        ArrayNode idx = root.putArray("indexes");
        for (IndexFiles i : indexes) {
            ObjectNode o =
                    idx.addObject().put("dataset_id", i.datasetId()).put("journal_position", i.journalPosition());
            blobs(o.putArray("files"), i.files());
        }
        ObjectNode a = root.putObject("audit");
        a.put("name", audit.name()).put("size", audit.size()).put("sha256", audit.sha256());
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void blobs(ArrayNode array, List<Blob> blobs) {
        for (Blob b : blobs) {
            array.addObject().put("name", b.name()).put("size", b.size()).put("sha256", b.sha256());
        }
    }

    static SnapshotManifest fromJson(String name, byte[] json) throws CorruptBackupException {
        try {
            JsonNode root = JSON.readTree(json);
            if (root.path("format").asInt() != 1) {
                throw new CorruptBackupException(name, "has an unknown format");
            }
            List<IndexFiles> indexes = new ArrayList<>();
            for (JsonNode i : root.path("indexes")) {
                indexes.add(new IndexFiles(
                        i.path("dataset_id").asText(),
                        i.path("journal_position").asLong(),
                        blobs(i.path("files"))));
            }
            JsonNode a = root.path("audit");
            return new SnapshotManifest(
                    root.path("id").asText(),
                    Instant.parse(root.path("started_at").asText()),
                    Instant.parse(root.path("captured_at").asText()),
                    root.path("previous").isNull()
                            ? null
                            : root.path("previous").asText(null),
                    root.path("journal_generation").asText(),
                    root.path("journal_next_segment").asLong(),
                    root.path("metadata_key_version").asInt(),
                    blobs(root.path("metadata_blocks")),
                    indexes,
                    new Blob(
                            a.path("name").asText(),
                            a.path("size").asLong(),
                            a.path("sha256").asText()),
                    root.path("bytes_uploaded").asLong());
        } catch (IOException | RuntimeException e) {
            throw new CorruptBackupException(name, "is not a readable snapshot manifest");
        }
    }

    private static List<Blob> blobs(JsonNode array) {
        List<Blob> out = new ArrayList<>();
        for (JsonNode b : array) {
            out.add(new Blob(
                    b.path("name").asText(),
                    b.path("size").asLong(),
                    b.path("sha256").asText()));
        }
        return out;
    }
}
