package com.strongroom.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.audit.AuditEvent;
import com.strongroom.audit.AuditLog;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealState;
import com.strongroom.search.DatasetIndexes;
import com.strongroom.store.ChangeJournal;
import com.strongroom.store.H2Database;
import com.strongroom.store.MetadataStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Backups inside the appliance: ships the journal every {@code journal-interval}, takes a snapshot
 * every {@code snapshot-interval} (and at once when a new journal generation needs one), applies
 * each target's retention, and answers the operator CLI's requests. Skips while sealed: without
 * the keys there is nothing it may read.
 */
public final class BackupService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BackupService.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What each target last did, for {@code GET /v1/system/backups}. */
    private static final class TargetState {
        volatile Instant lastSnapshot;
        volatile String lastSnapshotId;
        volatile Instant lastJournalShipped;
        volatile String lastError;
        volatile Instant lastErrorAt;
    }

    private final BackupSettings settings;
    private final KeyManager keys;
    private final List<BackupTarget> targets;
    private final Map<String, TargetState> states = new ConcurrentHashMap<>();
    private final ChangeJournal journal;
    private final JournalShipper shipper;
    private final SnapshotWriter snapshots;
    private final TargetRetention retention;
    private final BackupCrypto crypto;
    private final OperatorRequests requests;
    private final AuditLog audit;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private volatile Function<String, String> drill;
    private final Map<String, Function<String, String>> otherRequests = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Instant lastSnapshotAt;
    private volatile String lastSnapshotGeneration;
    private volatile SnapshotManifest lastManifest;

    private BackupService(
            BackupSettings settings,
            KeyManager keys,
            List<BackupTarget> targets,
            ChangeJournal journal,
            JournalShipper shipper,
            SnapshotWriter snapshots,
            BackupCrypto crypto,
            OperatorRequests requests,
            AuditLog audit,
            Clock clock) {
        this.settings = settings;
        this.keys = keys;
        this.targets = targets;
        this.journal = journal;
        this.shipper = shipper;
        this.snapshots = snapshots;
        this.crypto = crypto;
        this.requests = requests;
        this.audit = audit;
        this.clock = clock;
        this.retention = new TargetRetention(clock, settings.thinAfter());
        for (BackupTarget t : targets) {
            states.put(t.name(), new TargetState());
        }
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "strongroom-backup");
            t.setDaemon(true);
            return t;
        });
    }

    public static BackupService create(
            BackupSettings settings,
            KeyManager keys,
            MetadataStore metadata,
            ChangeJournal journal,
            DatasetIndexes indexes,
            H2Database keyringDb,
            AuditLog audit,
            Clock clock)
            throws IOException {
        List<BackupTarget> targets = new ArrayList<>();
        try {
            // Turned off, the journal is still written (triggers) and is discarded as it is spooled.
            for (TargetSettings t : settings.enabled() ? settings.targets() : List.<TargetSettings>of()) {
                targets.add(BackupTargets.open(t));
            }
        } catch (IOException | RuntimeException e) {
            targets.forEach(BackupTarget::close);
            throw e;
        }
        BackupCrypto crypto = new BackupCrypto(keys);
        KeyManifests keyManifests = new KeyManifests(keys, crypto, clock, settings.shredWindow());
        JournalShipper shipper = new JournalShipper(
                journal, crypto, keyManifests, settings.spoolDir(), clock, settings.journalLocalRetention());
        SnapshotWriter writer = new SnapshotWriter(metadata, journal, indexes, keyringDb, crypto, keyManifests, clock);
        return new BackupService(
                settings,
                keys,
                List.copyOf(targets),
                journal,
                shipper,
                writer,
                crypto,
                new OperatorRequests(keyringDb),
                audit,
                clock);
    }

    /** The DR drill, run when the CLI asks for one (it needs the whole appliance, so it is given). */
    public void drillWith(Function<String, String> drill) {
        this.drill = drill;
    }

    /**
     * Serves operator requests of {@code kind} (from another capability, e.g. the urgent
     * re-encryption after a key rotation) with {@code handler}: argument in, JSON result out.
     */
    public void handleRequests(String kind, Function<String, String> handler) {
        otherRequests.put(kind, handler);
    }

    /** Starts the schedule: journal every interval, snapshots when due, operator requests every second. */
    public void start() {
        long every = settings.journalInterval().toMillis();
        scheduler.scheduleWithFixedDelay(
                com.strongroom.tasks.SurvivingTask.of("backup journal and snapshot", this::tick),
                Math.min(every, 1000),
                every,
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(
                com.strongroom.tasks.SurvivingTask.of("backup operator requests", this::serveRequests),
                1,
                1,
                TimeUnit.SECONDS);
        if (targets.isEmpty()) {
            LOG.warning("backup: turned off (backup.enabled: false or no backup.targets): nothing is backed up");
        } else {
            LOG.info(() -> "backup: " + targets.size() + " target(s) " + targetNames() + ", snapshot every "
                    + settings.snapshotInterval() + ", journal every " + settings.journalInterval());
        }
    }

    private String targetNames() {
        return targets.stream().map(BackupTarget::name).toList().toString();
    }

    private void tick() {
        if (keys.state() != SealState.UNSEALED) {
            return;
        }
        try {
            ship();
            if (!targets.isEmpty() && snapshotDue()) {
                snapshot();
            }
        } catch (Exception e) {
            LOG.log(Level.WARNING, "backup: " + describe(e));
        }
    }

    private boolean snapshotDue() throws SQLException, IOException {
        if (lastSnapshotAt == null) {
            Optional<Instant> newest = newestSnapshotOnAllTargets();
            if (newest.isEmpty()) {
                return true; // never backed up: at once
            }
            lastSnapshotAt = newest.get();
        }
        String generation = journal.state().generation();
        if (lastSnapshotGeneration != null && !lastSnapshotGeneration.equals(generation)) {
            LOG.warning("backup: the journal started generation " + generation + "; taking a snapshot now");
            return true;
        }
        return !clock.instant().isBefore(lastSnapshotAt.plus(settings.snapshotInterval()));
    }

    /** The oldest of the targets' newest snapshots: a target that has none needs one now. */
    private Optional<Instant> newestSnapshotOnAllTargets() throws IOException {
        Instant oldest = null;
        for (BackupTarget t : targets) {
            List<BackupTarget.ObjectInfo> snaps = t.list(ObjectNames.SNAPSHOTS);
            if (snaps.isEmpty()) {
                return Optional.empty();
            }
            Optional<Instant> at =
                    ObjectNames.timeOf(snaps.get(snaps.size() - 1).key());
            if (at.isEmpty()) {
                return Optional.empty();
            }
            oldest = oldest == null || at.get().isBefore(oldest) ? at.get() : oldest;
        }
        return Optional.ofNullable(oldest);
    }

    /** Ships the journal now; returns the round. */
    public synchronized JournalShipper.Round ship() throws SQLException, IOException {
        JournalShipper.Round round = shipper.ship(targets);
        Instant now = clock.instant();
        for (BackupTarget t : targets) {
            TargetState s = states.get(t.name());
            String failure = round.failures().stream()
                    .filter(f -> f.startsWith(t.name() + ": "))
                    .findFirst()
                    .orElse(null);
            if (failure == null) {
                s.lastJournalShipped = now;
            } else {
                s.lastError = failure;
                s.lastErrorAt = now;
            }
        }
        if (!round.failures().isEmpty()) {
            LOG.warning("backup: journal shipping failed: " + String.join("; ", round.failures()));
        }
        return round;
    }

    /** Takes a snapshot to every target now, then applies retention; returns its manifest as JSON. */
    public synchronized Map<String, Object> snapshot() throws SQLException, IOException {
        if (targets.isEmpty()) {
            throw new IllegalStateException("backups are turned off (backup.enabled: false or no backup.targets)");
        }
        ship();
        SnapshotWriter.Result result;
        try {
            result = snapshots.take(targets);
        } catch (IOException | SQLException | RuntimeException e) {
            Instant now = clock.instant();
            for (TargetState s : states.values()) {
                s.lastError = "snapshot failed: " + describe(e);
                s.lastErrorAt = now;
            }
            audit.record(AuditEvent.system(
                    "backup.snapshot", "targets:" + targetNames(), AuditEvent.Outcome.FAILURE, describe(e)));
            throw e;
        }
        // What changed while the export ran is in the journal: ship it now, so that the snapshot
        // can be restored to its own moment without waiting for the next round.
        ship();
        SnapshotManifest m = result.manifest();
        lastSnapshotAt = m.capturedAt();
        lastSnapshotGeneration = m.generation();
        lastManifest = m;
        for (BackupTarget t : targets) {
            TargetState s = states.get(t.name());
            s.lastSnapshot = m.capturedAt();
            s.lastSnapshotId = m.id();
            try {
                retention.sweep(new BackupCatalog(t, crypto), settings.target(t.name()));
            } catch (IOException | CorruptBackupException | RuntimeException e) {
                s.lastError = "retention: " + describe(e);
                s.lastErrorAt = clock.instant();
                LOG.warning("backup: retention on target " + t.name() + " failed: " + describe(e));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("snapshot", m.id());
        out.put("captured_at", m.capturedAt().toString());
        out.put("objects", m.objectCount());
        out.put("bytes_total", m.totalBytes());
        out.put("bytes_uploaded", result.uploadedBytes());
        out.put("datasets", m.indexes().size());
        out.put("seconds", Duration.between(m.startedAt(), clock.instant()).toMillis() / 1000.0);
        audit.record(AuditEvent.system(
                "backup.snapshot",
                "snapshot:" + m.id(),
                AuditEvent.Outcome.SUCCESS,
                m.objectCount() + " objects, " + m.totalBytes() + " bytes to " + targetNames()));
        return out;
    }

    /** For {@code GET /v1/system/backups}: last snapshot, journal lag, every target's state. */
    public Map<String, Object> status() throws SQLException, IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("enabled", !targets.isEmpty());
        body.put("snapshot_interval_seconds", settings.snapshotInterval().toSeconds());
        body.put("journal_interval_seconds", settings.journalInterval().toMillis() / 1000.0);
        body.put("shred_window_seconds", settings.shredWindow().toSeconds());
        SnapshotManifest m = lastManifest;
        if (m != null) {
            Map<String, Object> last = new LinkedHashMap<>();
            last.put("id", m.id());
            last.put("captured_at", m.capturedAt().toString());
            last.put("objects", m.objectCount());
            last.put("bytes_total", m.totalBytes());
            body.put("last_snapshot", last);
        } else {
            body.put("last_snapshot", lastSnapshotAt == null ? null : Map.of("captured_at", lastSnapshotAt.toString()));
        }
        body.put("journal_lag_seconds", journalLagSeconds());
        body.put("journal_generation", journal.state().generation());
        List<Map<String, Object>> list = new ArrayList<>();
        for (BackupTarget t : targets) {
            TargetSettings ts = settings.target(t.name());
            TargetState s = states.get(t.name());
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("name", t.name());
            o.put("type", ts.type());
            o.put("last_snapshot_at", s.lastSnapshot == null ? null : s.lastSnapshot.toString());
            o.put("last_snapshot_id", s.lastSnapshotId);
            o.put("last_journal_shipped_at", s.lastJournalShipped == null ? null : s.lastJournalShipped.toString());
            o.put("last_error", s.lastError);
            o.put("last_error_at", s.lastErrorAt == null ? null : s.lastErrorAt.toString());
            boolean healthy = s.lastErrorAt == null
                    || (s.lastJournalShipped != null && s.lastJournalShipped.isAfter(s.lastErrorAt));
            o.put("state", healthy ? "ok" : "failing");
            o.put("snapshot_retention_days", ts.snapshotRetention().toDays());
            o.put("journal_retention_days", ts.journalRetention().toDays());
            list.add(o);
        }
        body.put("targets", list);
        return body;
    }

    /**
     * Seconds since the oldest change that is not yet on every target was made; 0 when everything
     * is shipped. What a restore of "now" could lose at this moment.
     */
    public double journalLagSeconds() throws SQLException, IOException {
        Instant oldest = null;
        for (var e : journal.unspooled(1)) {
            oldest = e.at();
        }
        Path spool = settings.spoolDir();
        if (Files.isDirectory(spool)) {
            try (Stream<Path> files = Files.walk(spool)) {
                for (Path p : files.filter(p -> p.toString().endsWith(".seg")).toList()) {
                    Instant at = Files.getLastModifiedTime(p).toInstant();
                    oldest = oldest == null || at.isBefore(oldest) ? at : oldest;
                }
            }
        }
        return oldest == null
                ? 0
                : Math.max(0, Duration.between(oldest, clock.instant()).toMillis() / 1000.0);
    }

    private void serveRequests() {
        try {
            Optional<OperatorRequests.Request> request;
            while ((request = requests.take()).isPresent()) {
                OperatorRequests.Request r = request.get();
                LOG.info(() -> "backup: operator request " + r.id() + " (" + r.kind() + ")");
                try {
                    String result =
                            switch (r.kind()) {
                                case OperatorRequests.BACKUP_RUN -> {
                                    requireUnsealed();
                                    yield JSON.writeValueAsString(snapshot());
                                }
                                case OperatorRequests.DR_DRILL -> {
                                    requireUnsealed();
                                    Function<String, String> d = drill;
                                    if (d == null) {
                                        throw new IllegalStateException("this appliance cannot run DR drills");
                                    }
                                    yield d.apply(r.argument());
                                }
                                default -> {
                                    Function<String, String> handler = otherRequests.get(r.kind());
                                    if (handler == null) {
                                        throw new IllegalArgumentException("unknown request " + r.kind());
                                    }
                                    requireUnsealed();
                                    yield handler.apply(r.argument());
                                }
                            };
                    requests.answer(r.id(), "SUCCESS", result);
                } catch (Exception e) {
                    LOG.log(Level.WARNING, "backup: operator request " + r.id() + " failed: " + describe(e));
                    requests.answer(r.id(), "FAILURE", describe(e));
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.FINE, "operator requests unreadable: " + e.getMessage());
        }
    }

    private void requireUnsealed() {
        if (keys.state() != SealState.UNSEALED) {
            throw new IllegalStateException("the appliance is sealed: " + keys.sealedReason());
        }
    }

    public List<BackupTarget> targets() {
        return targets;
    }

    public BackupTarget target(String name) {
        String n = settings.target(name).name();
        return targets.stream().filter(t -> t.name().equals(n)).findFirst().orElseThrow();
    }

    static String describe(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    @Override
    public void close() {
        // No interrupt while a round runs: H2 closes its file when an I/O thread is interrupted.
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(60, TimeUnit.SECONDS)) {
                LOG.warning("backup: a backup round did not finish within 60 s of shutdown; it is abandoned");
                scheduler.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        targets.forEach(BackupTarget::close);
    }
}
