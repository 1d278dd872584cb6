package com.strongroom.backup;

import com.strongroom.search.DatasetIndex;
import com.strongroom.search.DatasetIndexes;
import com.strongroom.store.ChangeJournal;
import com.strongroom.store.H2Database;
import com.strongroom.store.MetadataStore;
import java.io.IOException;
import java.io.InputStream;
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

/**
 * Takes one snapshot of everything the appliance stores and writes it to every target, uploading
 * only objects a target does not hold yet (content-addressed by SHA-256, so a name Lucene reuses
 * after a restore is never mistaken for the old file):
 *
 * <ol>
 *   <li>where the change journal stands: the export below is replayed from here on restore, so
 *       changes made while it runs are never lost and never applied twice;
 *   <li>every open dataset index: commit, pin the commit (its files stay while the writer goes
 *       on), copy its files as they lie on disk, release;
 *   <li>the metadata database, table by table, as sealed pages of rows; large values (documents'
 *       originals, ciphertext under their dataset's key) go out once as objects of their own. A
 *       page is cut where a row's key says, not where its position does, so a small change leaves
 *       nearly every page as it was, and a page whose fingerprint the previous snapshot already
 *       has is not sent again;
 *   <li>the audit log, the same way (it only grows, so only its last page changes);
 *   <li>last, the manifest: a snapshot without one does not exist, so a crash half-way leaves
 *       only unreferenced objects for the retention sweep.
 * </ol>
 *
 * <p>A snapshot of the H2 file itself (BACKUP TO) was tried first and dropped: the file is
 * log-structured, so a 1 % ingest rewrote 40 % of its blocks.
 */
final class SnapshotWriter {
    private static final Logger LOG = Logger.getLogger(SnapshotWriter.class.getName());
    static final String PAGE_LABEL = "strongroom/backup-page/v1";
    /** Not exported: the journal is described by the cut, Flyway's history by the schema version. */
    private static final Set<String> NOT_EXPORTED = Set.of("journal", "journal_state", "flyway_schema_history");

    private final MetadataStore metadata;
    private final ChangeJournal journal;
    private final DatasetIndexes indexes;
    private final H2Database keyringDb;
    private final BackupCrypto crypto;
    private final KeyManifests keyManifests;
    private final Clock clock;
    /** dataset/name/size/mtime -> SHA-256: Lucene never changes a file once written. */
    private final Map<String, String> fileHashes = new ConcurrentHashMap<>();
    /** The pages of the last snapshot by fingerprint; seeded from the newest manifest after a restart. */
    private Map<String, SnapshotManifest.Page> lastPages = null;

    SnapshotWriter(
            MetadataStore metadata,
            ChangeJournal journal,
            DatasetIndexes indexes,
            H2Database keyringDb,
            BackupCrypto crypto,
            KeyManifests keyManifests,
            Clock clock) {
        this.metadata = metadata;
        this.journal = journal;
        this.indexes = indexes;
        this.keyringDb = keyringDb;
        this.crypto = crypto;
        this.keyManifests = keyManifests;
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
        if (lastPages == null) {
            lastPages = pagesOfNewestSnapshot(targets);
        }
        Uploader up = new Uploader(targets, held, uploaded, lastPages, new HashMap<>());

        ChangeJournal.Cut cut = journal.cut();
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

        SnapshotManifest.Metadata exported = exportMetadata(cut, up);
        List<SnapshotManifest.TablePages> audit = exportAudit(up);
        lastPages = up.written();
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
                cut.state().generation(),
                cut.state().nextSegment(),
                exported,
                indexFiles,
                audit,
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
            byte[] stored = crypto.withMac(name, m.toJson());
            t.put(name, stored);
            uploaded.merge(t.name(), (long) stored.length, Long::sum); // what the target received, manifest included
        }
        LOG.info(() -> "backup: snapshot " + id + " written: " + manifest.objectCount() + " objects, "
                + manifest.totalBytes() + " bytes, uploaded " + uploaded);
        return new Result(manifest, uploaded);
    }

    /**
     * Every table of the metadata database but the journal's own. Read without one long
     * transaction: a change made while the export runs may or may not be in it, and a restore
     * replays every change after {@code cut} in order, which ends in the same state either way.
     */
    private SnapshotManifest.Metadata exportMetadata(ChangeJournal.Cut cut, Uploader up)
            throws SQLException, IOException {
        H2Database db = metadata.db();
        String schemaVersion = db.schemaVersion();
        List<SnapshotManifest.TablePages> tables = new ArrayList<>();
        try (Connection c = db.connection()) {
            for (String table : tables(c)) {
                tables.add(new SnapshotManifest.TablePages(table, TableExport.export(c, table, null, List.of(), up)));
            }
        }
        return new SnapshotManifest.Metadata(
                schemaVersion,
                cut.state().prunedUpto(),
                SnapshotManifest.ranges(cut.present()),
                journal.nextSequence(),
                tables,
                up.largeValues.size(),
                up.largeValueBytes);
    }

    private static List<String> tables(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES"
                        + " WHERE TABLE_SCHEMA = 'PUBLIC' AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME")) {
            while (rs.next()) {
                String name = rs.getString(1).toLowerCase(java.util.Locale.ROOT);
                if (!NOT_EXPORTED.contains(name)) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /**
     * The audit chain: its head, then the rows up to the head, so that what is exported verifies
     * even while events are appended meanwhile.
     */
    private List<SnapshotManifest.TablePages> exportAudit(Uploader up) throws SQLException, IOException {
        try (Connection c = keyringDb.connection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            long head;
            try (Statement s = c.createStatement();
                    java.sql.ResultSet rs = s.executeQuery("SELECT seq FROM audit_head WHERE id = 1")) {
                head = rs.next() ? rs.getLong(1) : 0;
            }
            List<SnapshotManifest.TablePages> out = List.of(
                    new SnapshotManifest.TablePages(
                            "audit_head", TableExport.export(c, "audit_head", null, List.of(), up)),
                    new SnapshotManifest.TablePages(
                            "audit_log", TableExport.export(c, "audit_log", "seq <= ?", List.of(head), up)));
            c.commit();
            return out;
        }
    }

    /** The newest snapshot's pages (any target's): what need not be sealed and sent again. */
    private Map<String, SnapshotManifest.Page> pagesOfNewestSnapshot(List<BackupTarget> targets) {
        for (BackupTarget t : targets) {
            try {
                BackupCatalog catalog = new BackupCatalog(t, crypto);
                List<String> names = catalog.snapshotNames();
                if (names.isEmpty()) {
                    continue;
                }
                Map<String, SnapshotManifest.Page> pages = new HashMap<>();
                for (SnapshotManifest.Page p :
                        catalog.snapshot(names.get(names.size() - 1)).sealedPages()) {
                    pages.put(p.fingerprint(), p);
                }
                return pages;
            } catch (IOException | CorruptBackupException | RuntimeException e) {
                LOG.info(() -> "backup: the newest snapshot at " + t.name() + " cannot be read (" + e.getMessage()
                        + "); every page is sent again");
            }
        }
        return new HashMap<>();
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

    /** Sends an object to each target that lacks it, counting bytes; seals pages, reusing unchanged ones. */
    private final class Uploader implements TableExport.Sink {
        private final List<BackupTarget> targets;
        private final Map<String, Set<String>> held;
        private final Map<String, Long> uploaded;
        private final Map<String, SnapshotManifest.Page> previous;
        private final Map<String, SnapshotManifest.Page> written;
        private final Set<String> largeValues = new HashSet<>();
        private long largeValueBytes;

        Uploader(
                List<BackupTarget> targets,
                Map<String, Set<String>> held,
                Map<String, Long> uploaded,
                Map<String, SnapshotManifest.Page> previous,
                Map<String, SnapshotManifest.Page> written) {
            this.targets = targets;
            this.held = held;
            this.uploaded = uploaded;
            this.previous = previous;
            this.written = written;
        }

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

        @Override
        public void largeValue(String table, String sha256, byte[] value) throws IOException {
            if (largeValues.add(sha256)) {
                largeValueBytes += value.length;
                bytes(sha256, value);
            }
        }

        @Override
        public SnapshotManifest.Page page(TablePage page, byte[] plaintext) throws IOException {
            String fingerprint = crypto.fingerprint(plaintext);
            SnapshotManifest.Page known = written.getOrDefault(fingerprint, previous.get(fingerprint));
            if (known == null || !heldEverywhere(ObjectNames.object(known.blob().sha256()))) {
                byte[] sealed = crypto.seal(PAGE_LABEL, "page:" + fingerprint, plaintext);
                String sha = BackupCrypto.sha256(sealed);
                bytes(sha, sealed);
                known = new SnapshotManifest.Page(
                        new SnapshotManifest.Blob(
                                page.table() + " page " + fingerprint.substring(0, Math.min(20, fingerprint.length())),
                                sealed.length,
                                sha),
                        fingerprint,
                        page.rows().size());
            }
            written.put(fingerprint, known);
            return known;
        }

        private boolean heldEverywhere(String key) {
            for (BackupTarget t : targets) {
                if (!held.get(t.name()).contains(key)) {
                    return false;
                }
            }
            return true;
        }

        Map<String, SnapshotManifest.Page> written() {
            return written;
        }
    }
}
