package com.strongroom.backup;

import com.strongroom.search.DatasetIndex;
import com.strongroom.search.DatasetIndexes;
import com.strongroom.store.ChangeJournal;
import com.strongroom.store.H2Database;
import com.strongroom.store.MetadataStore;
import com.strongroom.store.RowChange;
import com.strongroom.store.RowChanges;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Takes one consistent snapshot of the ciphertext as it lies on disk and writes it to every
 * target, uploading only objects a target does not hold yet (content-addressed by SHA-256, so a
 * name Lucene reuses after a restore is never mistaken for the old file):
 *
 * <ol>
 *   <li>every open dataset index: commit, pin the commit (its files stay while the writer goes
 *       on), copy its files, release;
 *   <li>the metadata database: H2's online {@code BACKUP TO} (consistent, still encrypted under
 *       its file key), cut into fixed blocks so that an unchanged region of the file is not sent
 *       again;
 *   <li>the audit log, exported and sealed under the backup key;
 *   <li>last, the manifest: a snapshot without one does not exist, so a crash half-way leaves
 *       only unreferenced objects for the retention sweep.
 * </ol>
 */
final class SnapshotWriter {
    private static final Logger LOG = Logger.getLogger(SnapshotWriter.class.getName());
    static final String AUDIT_LABEL = "strongroom/audit-export/v1";

    private final MetadataStore metadata;
    private final Path metadataFile;
    private final ChangeJournal journal;
    private final DatasetIndexes indexes;
    private final H2Database keyringDb;
    private final BackupCrypto crypto;
    private final KeyManifests keyManifests;
    private final Path work;
    private final int blockSize;
    private final Clock clock;
    /** dataset/name/size/mtime -> SHA-256: Lucene never changes a file once written. */
    private final Map<String, String> fileHashes = new ConcurrentHashMap<>();

    SnapshotWriter(
            MetadataStore metadata,
            Path metadataFile,
            ChangeJournal journal,
            DatasetIndexes indexes,
            H2Database keyringDb,
            BackupCrypto crypto,
            KeyManifests keyManifests,
            Path work,
            int blockSize,
            Clock clock) {
        this.metadata = metadata;
        this.metadataFile = metadataFile;
        this.journal = journal;
        this.indexes = indexes;
        this.keyringDb = keyringDb;
        this.crypto = crypto;
        this.keyManifests = keyManifests;
        this.work = work;
        this.blockSize = blockSize;
        this.clock = clock;
    }

    /** What a snapshot wrote: its manifest and, per target, bytes sent. */
    record Result(SnapshotManifest manifest, Map<String, Long> uploadedBytes) {}

    synchronized Result take(List<BackupTarget> targets) throws IOException, SQLException {
        Instant started = clock.instant();
        String id = "snap_" + HexFormat.of().formatHex(com.strongroom.crypto.Drbg.bytes(8));
        LOG.info(() -> "backup: snapshot " + id + " started (" + targets.size() + " target(s))");
        Map<String, Set<String>> held = new HashMap<>();
        Map<String, Long> uploaded = new HashMap<>();
        for (BackupTarget t : targets) {
            keyManifests.ship(t); // the keys every object below needs are at the target first
            Set<String> names = new HashSet<>();
            for (BackupTarget.ObjectInfo o : t.list(ObjectNames.OBJECTS)) {
                names.add(o.key());
            }
            held.put(t.name(), names);
            uploaded.put(t.name(), 0L);
        }
        Uploader up = new Uploader(targets, held, uploaded);

        List<SnapshotManifest.IndexFiles> indexFiles = new ArrayList<>();
        List<DatasetIndexes.PinnedCommit> pins = indexes.pinAll();
        try {
            for (DatasetIndexes.PinnedCommit pin : pins) {
                List<SnapshotManifest.Blob> files = new ArrayList<>();
                for (String name : pin.commit().getFileNames()) {
                    Path file = pin.dir().resolve(name);
                    long size = Files.size(file);
                    String cacheKey = pin.datasetId() + "/" + name + "/" + size + "/"
                            + Files.getLastModifiedTime(file).toMillis();
                    String sha = fileHashes.computeIfAbsent(cacheKey, k -> sha256(file));
                    up.file(sha, file);
                    files.add(new SnapshotManifest.Blob(name, size, sha));
                }
                long position = Long.parseLong(pin.commit().getUserData().getOrDefault(DatasetIndex.JOURNAL_KEY, "0"));
                indexFiles.add(new SnapshotManifest.IndexFiles(pin.datasetId(), position, files));
            }
        } finally {
            for (DatasetIndexes.PinnedCommit pin : pins) {
                indexes.release(pin);
            }
        }

        List<SnapshotManifest.Blob> blocks = metadataBlocks(id, up);
        int keyVersion = Integer.parseInt(
                Files.readString(metadataFile.resolveSibling(metadataFile.getFileName() + ".key-version"))
                        .trim());
        byte[] audit = crypto.seal(AUDIT_LABEL, "audit:" + id, auditExport());
        String auditSha = BackupCrypto.sha256(audit);
        up.bytes(auditSha, audit);
        ChangeJournal.State state = journal.state();
        Instant captured = clock.instant();
        long total = 0;
        for (long b : uploaded.values()) {
            total = Math.max(total, b);
        }
        SnapshotManifest manifest = new SnapshotManifest(
                id,
                started,
                captured,
                null,
                state.generation(),
                state.nextSegment(),
                keyVersion,
                blocks,
                indexFiles,
                new SnapshotManifest.Blob("audit", audit.length, auditSha),
                total);
        String name = ObjectNames.snapshot(captured, id);
        for (BackupTarget t : targets) {
            List<BackupTarget.ObjectInfo> previous = t.list(ObjectNames.SNAPSHOTS);
            String previousSha = null;
            if (!previous.isEmpty()) {
                previousSha = t.get(previous.get(previous.size() - 1).key())
                        .map(BackupCrypto::sha256)
                        .orElse(null);
            }
            SnapshotManifest m = manifest.withPrevious(previousSha);
            t.put(name, crypto.withMac(name, m.toJson()));
        }
        LOG.info(() -> "backup: snapshot " + id + " written: "
                + manifest.allObjects().size() + " objects, " + manifest.totalBytes() + " bytes, uploaded " + uploaded);
        return new Result(manifest, uploaded);
    }

    private List<SnapshotManifest.Blob> metadataBlocks(String id, Uploader up) throws IOException, SQLException {
        Files.createDirectories(work);
        Path zip = work.resolve("metadata-" + id + ".zip");
        try {
            try (Connection c = metadata.db().connection();
                    Statement s = c.createStatement()) {
                s.execute("BACKUP TO '" + zip.toAbsolutePath().toString().replace("'", "''") + "'");
            }
            List<SnapshotManifest.Blob> blocks = new ArrayList<>();
            try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
                ZipEntry entry;
                while ((entry = in.getNextEntry()) != null) {
                    if (!entry.getName().endsWith(".mv.db")) {
                        continue;
                    }
                    int n = 0;
                    byte[] block;
                    while ((block = in.readNBytes(blockSize)).length > 0) {
                        String sha = BackupCrypto.sha256(block);
                        up.bytes(sha, block);
                        blocks.add(new SnapshotManifest.Blob("metadata.mv.db#" + n++, block.length, sha));
                    }
                }
            }
            if (blocks.isEmpty()) {
                throw new IOException("H2 BACKUP TO produced no database file");
            }
            return blocks;
        } finally {
            Files.deleteIfExists(zip);
        }
    }

    /** The audit chain's rows, as inserts: {@code audit_log} then {@code audit_head}. */
    private byte[] auditExport() throws SQLException, IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Connection c = keyringDb.connection();
                DataOutputStream out = new DataOutputStream(bytes)) {
            // One transaction: the head and the rows it points to agree.
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            List<RowChange> rows = new ArrayList<>(RowChanges.dump(c, "audit_log", List.of("seq")));
            rows.addAll(RowChanges.dump(c, "audit_head", List.of("id")));
            c.commit();
            out.write("SRA1".getBytes(StandardCharsets.US_ASCII));
            out.writeInt(rows.size());
            for (RowChange r : rows) {
                byte[] e = r.encode();
                out.writeInt(e.length);
                out.write(e);
            }
        }
        return bytes.toByteArray();
    }

    private static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends an object to each target that lacks it, counting bytes. */
    private record Uploader(List<BackupTarget> targets, Map<String, Set<String>> held, Map<String, Long> uploaded) {
        void file(String sha, Path file) throws IOException {
            String key = ObjectNames.object(sha);
            for (BackupTarget t : targets) {
                if (held.get(t.name()).add(key)) {
                    t.put(key, file);
                    uploaded.merge(t.name(), Files.size(file), Long::sum);
                }
            }
        }

        void bytes(String sha, byte[] content) throws IOException {
            String key = ObjectNames.object(sha);
            for (BackupTarget t : targets) {
                if (held.get(t.name()).add(key)) {
                    t.put(key, content);
                    uploaded.merge(t.name(), (long) content.length, Long::sum);
                }
            }
        }
    }
}
