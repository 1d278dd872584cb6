package com.strongroom.backup;

import com.strongroom.audit.AuditEvent;
import com.strongroom.audit.AuditKeys;
import com.strongroom.audit.ChainedAuditLog;
import com.strongroom.crypto.DecryptionFailedException;
import com.strongroom.keys.DekRecord;
import com.strongroom.keys.DekState;
import com.strongroom.keys.KeyDestroyedException;
import com.strongroom.keys.Pkcs11Hsm;
import com.strongroom.search.DatasetIndex;
import com.strongroom.search.DatasetIndexes;
import com.strongroom.search.EmbeddingSpec;
import com.strongroom.store.ChangeJournal;
import com.strongroom.store.H2Database;
import com.strongroom.store.JournalEntry;
import com.strongroom.store.JournalTrigger;
import com.strongroom.store.MetadataStore;
import com.strongroom.store.RowChange;
import com.strongroom.store.RowChanges;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Restores a target's backup into a new home: the newest snapshot at or before the requested time,
 * then the journal replayed up to that time, then the erasure ledger: every dataset whose key is
 * destroyed in the newest key manifest is reported as shredded and its files are removed, so a
 * restore never brings purged data back. Every object is checked against its SHA-256 in the
 * authenticated manifest before it is used; a missing or altered one stops the restore, naming it.
 * Never writes into a directory that is not empty.
 */
public final class Restorer {
    private static final Logger LOG = Logger.getLogger(Restorer.class.getName());

    /** What a restore did, as {@code strongroom restore} prints it. */
    public record Report(
            String target,
            String snapshot,
            Instant snapshotCapturedAt,
            Instant requestedAt,
            Instant restoredTo,
            int journalSegments,
            int entriesReplayed,
            int objectsVerified,
            long bytesRestored,
            List<String> datasets,
            List<String> shreddedDatasets,
            String journalGap,
            double seconds) {

        /** As printed and audited: times as ISO-8601 strings. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("target", target);
            m.put("snapshot", snapshot);
            m.put("snapshot_captured_at", snapshotCapturedAt.toString());
            m.put("requested_at", requestedAt == null ? "newest" : requestedAt.toString());
            m.put("restored_to", restoredTo.toString());
            m.put("journal_segments", journalSegments);
            m.put("entries_replayed", entriesReplayed);
            m.put("objects_verified", objectsVerified);
            m.put("bytes_restored", bytesRestored);
            m.put("datasets", datasets);
            m.put("shredded_datasets", shreddedDatasets);
            m.put("journal_gap", journalGap);
            m.put("seconds", seconds);
            return m;
        }
    }

    /** Runs on the restored home while its keys and metadata are open, e.g. to mint a drill's API key. */
    public interface AfterRestore {
        void apply(MetadataStore metadata, com.strongroom.keys.KeyManager keys) throws Exception;
    }

    private final Pkcs11Hsm.Settings hsm;
    private final Clock clock;
    private final String onlyDataset;

    public Restorer(Pkcs11Hsm.Settings hsm, Clock clock) {
        this(hsm, clock, null);
    }

    private Restorer(Pkcs11Hsm.Settings hsm, Clock clock, String onlyDataset) {
        this.hsm = hsm;
        this.clock = clock;
        this.onlyDataset = onlyDataset;
    }

    /**
     * A restorer whose homes hold one dataset only (with its organization, documents and the
     * appliance's API keys and webhooks): to get one dataset back as it was, without the others.
     */
    public Restorer onlyDataset(String datasetId) {
        if (datasetId == null || !datasetId.matches("[A-Za-z0-9_]{1,64}")) {
            throw new IllegalArgumentException("--dataset '" + datasetId + "' is not a dataset id (ds_…)");
        }
        return new Restorer(hsm, clock, datasetId);
    }

    /**
     * @param at restore the state as of this moment; null = everything the target holds
     * @throws CorruptBackupException naming the missing or altered object (nothing usable is left in {@code into})
     */
    public Report restore(BackupTarget target, Path into, Instant at)
            throws IOException, SQLException, CorruptBackupException {
        return restore(target, into, at, (m, k) -> {});
    }

    public Report restore(BackupTarget target, Path into, Instant at, AfterRestore after)
            throws IOException, SQLException, CorruptBackupException {
        long t0 = System.nanoTime();
        requireEmpty(into);
        Instant until = at == null ? Instant.MAX : at;
        Files.createDirectories(into);
        Files.setPosixFilePermissions(into, PosixFilePermissions.fromString("rwx------"));
        boolean done = false;
        try {
            Report report = restoreInto(target, into, at, until, t0, after);
            done = true;
            return report;
        } finally {
            if (!done) {
                deleteTree(into); // a half-restored home must not be mistaken for a good one
            }
        }
    }

    private Report restoreInto(BackupTarget target, Path into, Instant at, Instant until, long t0, AfterRestore after)
            throws IOException, SQLException, CorruptBackupException {
        Path keyringFile = into.resolve("keyring").resolve("keyring");
        Path metadataFile = into.resolve("data").resolve("metadata");
        Path indexRoot = into.resolve("data").resolve("indexes");
        try (RestoredKeys restored = RestoredKeys.open(target, keyringFile, hsm)) {
            BackupCrypto crypto = new BackupCrypto(restored.keys);
            BackupCatalog catalog = new BackupCatalog(target, crypto);
            String name = catalog.newestSnapshotAtOrBefore(until)
                    .orElseThrow(() -> new IOException("target " + target.name() + " holds no snapshot"
                            + (at == null ? "" : " taken at or before " + at)
                            + "; `strongroom backup list` shows what it holds"));
            SnapshotManifest snap = catalog.snapshot(name);
            LOG.info(() ->
                    "restore: snapshot " + snap.id() + " of " + snap.capturedAt() + " from target " + target.name());

            Counter counter = new Counter();
            Files.createDirectories(metadataFile.getParent());
            MetadataStore metadata = new MetadataStore(metadataFile);
            // The rows go into the schema they were written under; reopening migrates the rest.
            metadata.openAtSchemaVersion(restored.keys, snap.metadata().schemaVersion());
            try {
                for (SnapshotManifest.TablePages table : snap.metadata().tables()) {
                    load(target, crypto, metadata.db(), table, counter);
                }
                new ChangeJournal(metadata::db)
                        .restoreState(
                                new ChangeJournal.State(
                                        snap.generation(),
                                        snap.nextSegment(),
                                        snap.metadata().prunedUpto()),
                                snap.metadata().nextSequence());
            } finally {
                metadata.beforeSeal(restored.keys, "snapshot loaded");
            }
            for (SnapshotManifest.IndexFiles index : snap.indexes()) {
                Path dir = indexRoot.resolve(index.datasetId());
                Files.createDirectories(dir);
                for (SnapshotManifest.Blob file : index.files()) {
                    if (!file.name().matches("[A-Za-z0-9_.\\-]+")) {
                        throw new CorruptBackupException(name, "names an index file '" + file.name() + "'");
                    }
                    try (OutputStream out = Files.newOutputStream(dir.resolve(file.name()))) {
                        counter.bytes += copyVerified(target, file, out);
                    }
                    counter.objects++;
                }
            }
            for (SnapshotManifest.TablePages table : snap.audit()) {
                if (!table.table().equals("audit_log") && !table.table().equals("audit_head")) {
                    throw new CorruptBackupException(name, "lists a table " + table.table() + " as audit log");
                }
                load(target, crypto, restored.keyringDb, table, counter);
            }
            long bytes = counter.bytes;
            int objects = counter.objects;

            metadata.afterUnseal(restored.keys);
            DatasetIndexes indexes = new DatasetIndexes(
                    new DatasetIndexes.Settings(indexRoot, 16 << 20, 64 << 20, 16 << 10, Duration.ofMinutes(10)),
                    restored.keys);
            Replay replay;
            List<String> shredded;
            List<String> datasets;
            try {
                ChangeJournal journal = new ChangeJournal(metadata::db);
                replay = replay(catalog, snap, metadata, journal, indexes, restored, until);
                shredded = applyErasures(metadata, indexes, restored.manifest);
                if (onlyDataset != null) {
                    keepOnly(onlyDataset, metadata, indexes, restored);
                    shredded = shredded.contains(onlyDataset) ? List.of(onlyDataset) : List.of();
                }
                datasets = liveDatasets(metadata);
                journal.resetAfterRestore();
                try {
                    after.apply(metadata, restored.keys);
                } catch (IOException | SQLException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e.getMessage(), e);
                }
            } finally {
                indexes.close();
                metadata.beforeSeal(restored.keys, "restore finished");
            }
            Instant restoredTo = replay.lastAt == null ? snap.capturedAt() : replay.lastAt;
            double seconds = (System.nanoTime() - t0) / 1e9;
            Report report = new Report(
                    target.name(),
                    snap.id(),
                    snap.capturedAt(),
                    at,
                    restoredTo,
                    replay.segments,
                    replay.entries,
                    objects + replay.segments,
                    bytes,
                    datasets,
                    shredded,
                    replay.gap,
                    Math.round(seconds * 1000) / 1000.0);
            new ChainedAuditLog(restored.keyringDb, new AuditKeys(restored.keys))
                    .record(AuditEvent.operator(
                            "backup.restore",
                            "snapshot:" + snap.id(),
                            AuditEvent.Outcome.SUCCESS,
                            "from target " + target.name() + ", restored to " + restoredTo + ", "
                                    + replay.entries + " journal entries replayed"
                                    + (shredded.isEmpty() ? "" : ", shredded: " + String.join(" ", shredded))));
            return report;
        }
    }

    private record Replay(int segments, int entries, Instant lastAt, String gap) {}

    /**
     * Replays what the snapshot does not hold. A row change is in the restored database when the
     * journal held it as the export began (present, or at or below the pruned mark); one made
     * while the export ran may be in it too, and applying it again in order ends in the same state;
     * an index change is in a dataset's index when it is at or below the position its commit
     * recorded. Everything else, in sequence order and up to {@code until}, is applied; changes to
     * one row or document are numbered in commit order, so replaying them in order gives the state
     * as of {@code until}.
     */
    private Replay replay(
            BackupCatalog catalog,
            SnapshotManifest snap,
            MetadataStore metadata,
            ChangeJournal journal,
            DatasetIndexes indexes,
            RestoredKeys restored,
            Instant until)
            throws IOException, SQLException, CorruptBackupException {
        ChangeJournal.State state = journal.state();
        Map<String, Long> indexPositions = new HashMap<>();
        for (SnapshotManifest.IndexFiles i : snap.indexes()) {
            indexPositions.put(i.datasetId(), i.journalPosition());
        }
        List<Long> numbers = catalog.segments().getOrDefault(state.generation(), List.of());
        /*
         * Segment by segment, each in sequence order: two changes to one row or document commit in
         * order, so the later one is never in an earlier segment. Only one segment is in memory.
         */
        Set<Long> applied = new java.util.HashSet<>();
        int segments = 0;
        int replayed = 0;
        Instant lastAt = null;
        String gap = null;
        long expect = state.nextSegment();
        Map<String, DatasetIndex> touched = new HashMap<>();
        long maxSeq = 0;
        try (Connection c = metadata.db().connection();
                JournalTrigger.Suspension quiet = JournalTrigger.suspendOnThisThread()) {
            for (long n : numbers) {
                if (n < expect) {
                    continue;
                }
                if (n > expect) {
                    gap = "journal segment " + expect + " of generation " + state.generation() + " is missing;"
                            + " restored only up to the segment before it";
                    break;
                }
                JournalSegment segment = catalog.segment(state.generation(), n);
                segments++;
                expect++;
                boolean beyond = false;
                List<JournalEntry> entries = new ArrayList<>(segment.entries());
                entries.sort(java.util.Comparator.comparingLong(JournalEntry::seq));
                for (JournalEntry e : entries) {
                    if (e.at().isAfter(until)) {
                        beyond = true;
                        continue;
                    }
                    if (!applied.add(e.seq())) {
                        continue;
                    }
                    maxSeq = Math.max(maxSeq, e.seq());
                    if (apply(e, c, snap, indexPositions, indexes, restored, touched)) {
                        replayed++;
                        lastAt = lastAt == null || e.at().isAfter(lastAt) ? e.at() : lastAt;
                    }
                }
                if (beyond) {
                    break; // later segments only hold later entries
                }
            }
        }
        for (DatasetIndex index : touched.values()) {
            index.commit();
        }
        journal.advanceSequencePast(maxSeq); // the new history numbers above everything replayed
        return new Replay(segments, replayed, lastAt, gap);
    }

    /** Applies one entry unless the snapshot holds it already; true when it changed something. */
    private static boolean apply(
            JournalEntry e,
            Connection c,
            SnapshotManifest snap,
            Map<String, Long> indexPositions,
            DatasetIndexes indexes,
            RestoredKeys restored,
            Map<String, DatasetIndex> touched)
            throws IOException, SQLException, CorruptBackupException {
        if (e.kind().equals(JournalEntry.ROW)) {
            if (snap.holds(e.seq())) {
                return false;
            }
            RowChanges.apply(c, RowChange.decode(e.payload()));
            return true;
        }
        if (!e.kind().equals(JournalEntry.INDEX)) {
            throw new CorruptBackupException("journal entry " + e.seq(), "has an unknown kind " + e.kind());
        }
        if (e.seq() <= indexPositions.getOrDefault(e.datasetId(), 0L)) {
            return false;
        }
        IndexChange change;
        try {
            change = IndexJournal.open(restored.keys, e.datasetId(), e.payload());
        } catch (KeyDestroyedException | IllegalArgumentException k) {
            return false; // shredded: nothing of it comes back
        } catch (DecryptionFailedException d) {
            throw new CorruptBackupException(
                    "journal entry " + e.seq(), "does not authenticate under its dataset's key");
        }
        DatasetIndex index = touched.get(e.datasetId());
        if (index == null) {
            EmbeddingSpec spec = spec(c, e.datasetId());
            if (spec == null) {
                return false; // the dataset row is not in this history
            }
            index = indexes.openOrCreateWithExistingKey(e.datasetId(), spec);
            touched.put(e.datasetId(), index);
        }
        if (change.op() == IndexChange.REPLACE) {
            index.replaceDocument(change.documentId(), change.chunks());
        } else {
            index.deleteDocument(change.documentId());
        }
        return true;
    }

    private static EmbeddingSpec spec(Connection c, String datasetId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT embedding_model, embedding_dimensions FROM dataset WHERE id = ?")) {
            ps.setString(1, datasetId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new EmbeddingSpec(rs.getString(1), rs.getInt(2)) : null;
            }
        }
    }

    /**
     * The erasure ledger: a dataset none of whose key versions is alive in the newest key manifest
     * was purged (or its key shredded); its index goes and its row is marked purged.
     */
    private static List<String> applyErasures(MetadataStore metadata, DatasetIndexes indexes, KeyManifest keys)
            throws SQLException, IOException {
        Set<String> alive = new TreeSet<>();
        for (DekRecord d : keys.deks()) {
            if (d.state() != DekState.DESTROYED && d.purpose().startsWith("dataset:")) {
                alive.add(d.purpose().substring("dataset:".length()));
            }
        }
        List<String> shredded = new ArrayList<>();
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT id FROM dataset ORDER BY id");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                if (!alive.contains(rs.getString(1))) {
                    shredded.add(rs.getString(1));
                }
            }
        }
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("UPDATE dataset SET deleted_at = COALESCE(deleted_at, ?),"
                        + " purge_after = COALESCE(purge_after, ?), purged_at = COALESCE(purged_at, ?) WHERE id = ?")) {
            for (String id : shredded) {
                indexes.drop(id);
                ps.setObject(1, now);
                ps.setObject(2, now);
                ps.setObject(3, now);
                ps.setString(4, id);
                ps.executeUpdate();
            }
        }
        return shredded;
    }

    /** Removes every other dataset: its index, its rows, its key versions. */
    private static void keepOnly(String id, MetadataStore metadata, DatasetIndexes indexes, RestoredKeys restored)
            throws SQLException, IOException {
        List<String> others = new ArrayList<>();
        try (Connection c = metadata.db().connection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM dataset WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        throw new IOException("dataset " + id + " did not exist at the moment restored");
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM dataset WHERE id <> ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        others.add(rs.getString(1));
                    }
                }
            }
            c.setAutoCommit(false);
            try (PreparedStatement docs = c.prepareStatement("DELETE FROM document WHERE dataset_id <> ?");
                    PreparedStatement sets = c.prepareStatement("DELETE FROM dataset WHERE id <> ?")) {
                docs.setString(1, id);
                docs.executeUpdate();
                sets.setString(1, id);
                sets.executeUpdate();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        for (String other : others) {
            indexes.drop(other);
            for (DekRecord d : restored.keys.keyring().deks("dataset:" + other)) {
                restored.keys.keyring().destroy(d.purpose(), d.version());
            }
        }
    }

    private static List<String> liveDatasets(MetadataStore metadata) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Connection c = metadata.db().connection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT id FROM dataset WHERE purged_at IS NULL ORDER BY id");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    /** Objects and bytes a restore has read and checked. */
    private static final class Counter {
        int objects;
        long bytes;
    }

    /**
     * Loads one table's pages: each is checked against its SHA-256, opened under the backup key
     * (bound to its fingerprint) and its rows merged in, with their large values fetched and checked.
     * Without referential checks while loading (tables arrive in any order) and without journaling
     * (this history is in the backup already).
     */
    private static void load(
            BackupTarget target, BackupCrypto crypto, H2Database db, SnapshotManifest.TablePages table, Counter counter)
            throws IOException, SQLException, CorruptBackupException {
        try (Connection c = db.connection();
                java.sql.Statement s = c.createStatement();
                JournalTrigger.Suspension quiet = JournalTrigger.suspendOnThisThread()) {
            s.execute("SET REFERENTIAL_INTEGRITY FALSE");
            try {
                c.setAutoCommit(false);
                for (SnapshotManifest.Page p : table.pages()) {
                    TablePage page = openPage(target, crypto, p);
                    counter.objects++;
                    counter.bytes += p.blob().size();
                    if (!page.table().equals(table.table())) {
                        throw new CorruptBackupException(
                                ObjectNames.object(p.blob().sha256()),
                                "holds rows of " + page.table() + ", not of " + table.table());
                    }
                    TableImport.load(c, page, (t, ref) -> {
                        byte[] value =
                                readVerified(target, new SnapshotManifest.Blob(t + " value", ref.size(), ref.sha256()));
                        counter.objects++;
                        counter.bytes += value.length;
                        return value;
                    });
                    c.commit();
                }
            } finally {
                c.setAutoCommit(true);
                s.execute("SET REFERENTIAL_INTEGRITY TRUE");
            }
        }
    }

    static TablePage openPage(BackupTarget target, BackupCrypto crypto, SnapshotManifest.Page p)
            throws IOException, CorruptBackupException {
        String key = ObjectNames.object(p.blob().sha256());
        byte[] plain =
                crypto.open(SnapshotWriter.PAGE_LABEL, "page:" + p.fingerprint(), readVerified(target, p.blob()));
        try {
            return TablePage.decode(plain);
        } catch (IOException e) {
            throw new CorruptBackupException(
                    key, "(" + p.blob().name() + ") is not a readable page: " + e.getMessage());
        }
    }

    /** Streams an object into {@code out}, checking its SHA-256 and size against the manifest. */
    static long copyVerified(BackupTarget target, SnapshotManifest.Blob blob, OutputStream out)
            throws IOException, CorruptBackupException {
        String key = ObjectNames.object(blob.sha256());
        MessageDigest sha = sha256();
        long n = 0;
        try (InputStream in = target.open(key)) {
            byte[] buf = new byte[1 << 16];
            int r;
            while ((r = in.read(buf)) > 0) {
                sha.update(buf, 0, r);
                out.write(buf, 0, r);
                n += r;
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new CorruptBackupException(key, "(" + blob.name() + ") is missing");
        }
        if (n != blob.size() || !HexFormat.of().formatHex(sha.digest()).equals(blob.sha256())) {
            throw new CorruptBackupException(key, "(" + blob.name() + ") does not match its SHA-256 in the manifest");
        }
        return n;
    }

    static byte[] readVerified(BackupTarget target, SnapshotManifest.Blob blob)
            throws IOException, CorruptBackupException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        copyVerified(target, blob, out);
        return out.toByteArray();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void requireEmpty(Path into) throws IOException {
        if (Files.exists(into)) {
            if (!Files.isDirectory(into)) {
                throw new IOException(into + " exists and is not a directory");
            }
            try (Stream<Path> entries = Files.list(into)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException(into + " is not empty: a restore never overwrites a home;"
                            + " name a new or empty directory");
                }
            }
        }
    }

    /** Removes a directory tree, best effort (logged): a half-restored home or a drill's scratch copy. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warning("could not remove " + dir + ": " + e.getMessage());
        }
    }
}
