package com.strongroom.rotation;

import com.strongroom.audit.AuditEvent;
import com.strongroom.audit.AuditLog;
import com.strongroom.config.StrongroomConfig;
import com.strongroom.crypto.DecryptionFailedException;
import com.strongroom.documents.DocumentStore;
import com.strongroom.documents.SealedContent;
import com.strongroom.keys.DekRecord;
import com.strongroom.keys.DekState;
import com.strongroom.keys.DekUsage;
import com.strongroom.keys.KeyDestroyedException;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.VersionedKey;
import com.strongroom.search.DatasetIndex;
import com.strongroom.search.DatasetIndexes;
import com.strongroom.search.UnknownDatasetException;
import com.strongroom.store.ChangeJournal;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * Finishes data-key rotations of datasets: re-encrypts, under the primary version, the originals
 * and index segments still under an older one (at a bounded rate, while queries and ingestion go
 * on), records what is left under each version, and retires a version once nothing has used it
 * for {@code retireAfter} since it stopped being primary. The pass keeps no state of its own, so
 * it resumes after a restart or a seal by looking again.
 */
public final class DataKeyReencryption {
    private static final Logger LOG = Logger.getLogger(DataKeyReencryption.class.getName());
    private static final String PREFIX = "dataset:";
    private static final int ORIGINALS_PER_BATCH = 32;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    /**
     * How long after a rotation even the emergency path waits before it may retire: writes that
     * took the old version finish, and a rotation made by the CLI reaches this process at its next
     * HSM probe (at most 5 s).
     */
    static final Duration URGENT_SETTLE = Duration.ofSeconds(10);

    private final KeyManager keys;
    private final DocumentStore documents;
    private final DatasetIndexes indexes;
    private final ChangeJournal journal;
    private final boolean journalShipped;
    private final AuditLog audit;
    private final StrongroomConfig.Reencryption settings;
    private final Clock clock;
    private final SystemKeyRetirement systemKeys;
    private final Throttle throttle;
    private final Throttle unthrottled;
    /** Set while an urgent request waits: the running pass stops pausing and finishes quickly. */
    private volatile boolean hurry;

    public DataKeyReencryption(
            KeyManager keys,
            DocumentStore documents,
            DatasetIndexes indexes,
            ChangeJournal journal,
            boolean journalShipped,
            AuditLog audit,
            StrongroomConfig.Reencryption settings,
            Clock clock,
            SystemKeyRetirement systemKeys) {
        this.keys = keys;
        this.documents = documents;
        this.indexes = indexes;
        this.journal = journal;
        this.journalShipped = journalShipped;
        this.audit = audit;
        this.settings = settings;
        this.clock = clock;
        this.systemKeys = systemKeys;
        this.throttle = new Throttle(settings.bytesPerSecond());
        this.unthrottled = new Throttle(Long.MAX_VALUE);
    }

    /**
     * One look at every dataset key with older live versions (and the system keys that move by
     * themselves); returns how many versions it retired.
     */
    public synchronized int pass() throws SQLException, IOException, InterruptedException {
        int retired = systemKeys.retireUnused();
        Map<String, List<DekRecord>> byPurpose = new TreeMap<>();
        for (DekRecord d : keys.keyring().deks()) {
            if (d.purpose().startsWith(PREFIX)) {
                byPurpose.computeIfAbsent(d.purpose(), k -> new ArrayList<>()).add(d);
            }
        }
        for (Map.Entry<String, List<DekRecord>> e : byPurpose.entrySet()) {
            List<DekRecord> versions = e.getValue();
            // retired versions too: a write that raced the retirement would put them back in use
            boolean older =
                    versions.stream().anyMatch(d -> d.state() == DekState.ENABLED || d.state() == DekState.RETIRED);
            DekRecord primary = versions.stream()
                    .filter(d -> d.state() == DekState.PRIMARY)
                    .findFirst()
                    .orElse(null);
            if (!older || primary == null) {
                continue;
            }
            try {
                retired += finish(e.getKey().substring(PREFIX.length()), e.getKey(), primary, versions, false);
            } catch (UnknownDatasetException gone) {
                // deleted: the purge shreds every version of its key
            }
        }
        return retired;
    }

    /**
     * The emergency path after a suspected compromise: re-encrypts {@code purpose} now, without the
     * rate limit and without waiting out {@code retireAfter} (only {@link #URGENT_SETTLE}, for
     * writes that took the old version just before the rotation), and says which versions it
     * retired and what is left under each. Answers an operator request; JSON out.
     */
    public String urgent(String purpose) {
        if (purpose == null || !purpose.startsWith(PREFIX)) {
            throw new IllegalArgumentException(
                    "only dataset keys (dataset:<id>) are re-encrypted so far, not '" + purpose + "'");
        }
        try {
            List<DekRecord> versions = keys.keyring().deks(purpose);
            DekRecord primary = versions.stream()
                    .filter(d -> d.state() == DekState.PRIMARY)
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no data key " + purpose));
            Duration age = Duration.between(primary.createdAt(), OffsetDateTime.now(clock));
            if (age.compareTo(URGENT_SETTLE) < 0) {
                Thread.sleep(URGENT_SETTLE.minus(age).toMillis());
            }
            long started = System.nanoTime();
            hurry = true;
            try {
                synchronized (this) { // after the pass under way, which stops pausing meanwhile
                    finish(purpose.substring(PREFIX.length()), purpose, primary, versions, true);
                }
            } finally {
                hurry = false;
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("purpose", purpose);
            out.put("primary_version", primary.version());
            List<Integer> destroyable = new ArrayList<>();
            List<Map<String, Object>> versionsOut = new ArrayList<>();
            Map<Integer, DekUsage> usage = new TreeMap<>();
            keys.keyring().usage().stream()
                    .filter(u -> u.purpose().equals(purpose))
                    .forEach(u -> usage.put(u.version(), u));
            for (DekRecord d : keys.keyring().deks(purpose)) {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("version", d.version());
                v.put("state", d.state().name().toLowerCase(java.util.Locale.ROOT));
                DekUsage u = usage.get(d.version());
                if (u != null) {
                    v.put("index_files", u.files());
                    v.put("originals", u.originals());
                    v.put("journal_entries", u.journalEntries());
                }
                versionsOut.add(v);
                if (d.state() == DekState.RETIRED) {
                    destroyable.add(d.version());
                }
            }
            out.put("versions", versionsOut);
            out.put("seconds", Math.round(seconds * 10) / 10.0);
            out.put(
                    "next",
                    destroyable.isEmpty()
                            ? "something is still under an old version (journal entries are pruned after they are"
                                    + " shipped and backup.journal-local-retention); run this again later"
                            : "destroy with: keys destroy-version " + purpose + " "
                                    + destroyable.stream()
                                            .map(String::valueOf)
                                            .reduce((a, b) -> a + ", " + b)
                                            .orElse(""));
            return JSON.writeValueAsString(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (SQLException | IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private int finish(
            String datasetId, String purpose, DekRecord primaryRecord, List<DekRecord> versions, boolean urgent)
            throws SQLException, IOException, InterruptedException {
        DatasetIndex index = indexes.get(datasetId);
        VersionedKey primary = keys.primary(purpose);
        if (primary.version() != primaryRecord.version()) {
            return 0; // rotated again meanwhile: the next pass sees the new state
        }
        Throttle pace = urgent ? unthrottled : throttle;
        long originalBytes = reencryptOriginals(datasetId, purpose, primary, pace);
        long indexBytes = index.reencryptTo(primary.version());
        pace.spent(indexBytes);
        if (originalBytes + indexBytes > 0) {
            LOG.info(() -> purpose + ": re-encrypted " + originalBytes + " bytes of originals and " + indexBytes
                    + " bytes of index segments under v" + primary.version());
        }
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        List<DekUsage> usage = usage(datasetId, index, primaryRecord, versions, now);
        keys.keyring().recordUsage(purpose, usage);
        int retired = 0;
        boolean settled = Duration.between(primaryRecord.createdAt(), now)
                        .compareTo(urgent ? URGENT_SETTLE : settings.retireAfter())
                >= 0;
        for (DekUsage u : usage) {
            DekRecord record = versions.stream()
                    .filter(d -> d.version() == u.version())
                    .findFirst()
                    .orElse(null);
            if (record != null
                    && record.state() == DekState.RETIRED
                    && !u.unused()
                    && keys.keyring().reenable(purpose, u.version())) {
                LOG.warning(purpose + " v" + u.version() + " is in use again (" + u + "); enabled again until"
                        + " the pass has moved it");
                audit.record(AuditEvent.system(
                        "keys.unretire",
                        "dek:" + purpose,
                        AuditEvent.Outcome.SUCCESS,
                        "version " + u.version() + " found in use after its retirement; enabled again"));
                continue;
            }
            if (record != null
                    && record.state() == DekState.ENABLED
                    && u.unused()
                    && settled
                    && keys.retire(purpose, u.version())) {
                retired++;
                LOG.info(() -> purpose + " v" + u.version() + " retired: nothing is encrypted under it any more");
                audit.record(AuditEvent.system(
                        "keys.retire",
                        "dek:" + purpose,
                        AuditEvent.Outcome.SUCCESS,
                        "version " + u.version() + " retired: no index file, original or journal entry under it;"
                                + " it may now be destroyed with keys destroy-version"));
            }
        }
        return retired;
    }

    private long reencryptOriginals(String datasetId, String purpose, VersionedKey primary, Throttle pace)
            throws SQLException, InterruptedException {
        long bytes = 0;
        while (true) {
            List<DocumentStore.StoredOriginal> batch =
                    documents.originalsNotUnder(datasetId, primary.version(), ORIGINALS_PER_BATCH);
            if (batch.isEmpty()) {
                return bytes;
            }
            int moved = 0;
            long batchBytes = 0;
            for (DocumentStore.StoredOriginal o : batch) {
                byte[] plain;
                try {
                    plain = SealedContent.open(keys.key(purpose, o.keyVersion()), o.id(), o.sealedContent());
                } catch (KeyDestroyedException | DecryptionFailedException e) {
                    // unreadable either way: left as it is, and it keeps its version in use (reported)
                    LOG.warning(purpose + ": original of " + o.id() + " cannot be opened under v" + o.keyVersion()
                            + " (" + e.getClass().getSimpleName() + "); left as it is");
                    continue;
                }
                byte[] resealed = SealedContent.seal(primary.key(), o.id(), plain);
                java.util.Arrays.fill(plain, (byte) 0);
                if (documents.replaceOriginal(o.id(), o.keyVersion(), primary.version(), resealed)) {
                    moved++;
                }
                batchBytes += o.sealedContent().length;
            }
            bytes += batchBytes;
            pace.spent(batchBytes);
            if (moved == 0) {
                return bytes; // only unreadable ones are left: do not spin on them
            }
        }
    }

    private List<DekUsage> usage(
            String datasetId, DatasetIndex index, DekRecord primary, List<DekRecord> versions, OffsetDateTime now)
            throws SQLException, IOException {
        Map<Integer, DatasetIndex.VersionUsage> files = index.keyVersionUsage();
        Map<Integer, DocumentStore.OriginalsUsage> originals = documents.originalsByKeyVersion(datasetId);
        // entries journaled before the rotation may carry the old versions until they are shipped
        // and pruned; without backups the journal is never shipped, and nothing ever reads it
        int journaled = journalShipped ? journal.entriesWrittenBefore(datasetId, primary.createdAt()) : 0;
        TreeSet<Integer> live = new TreeSet<>();
        for (DekRecord d : versions) {
            if (d.state() != DekState.DESTROYED) {
                live.add(d.version());
            }
        }
        live.addAll(files.keySet());
        live.addAll(originals.keySet());
        List<DekUsage> out = new ArrayList<>();
        for (int v : live) {
            DatasetIndex.VersionUsage f = files.getOrDefault(v, new DatasetIndex.VersionUsage(0, 0));
            DocumentStore.OriginalsUsage o = originals.getOrDefault(v, new DocumentStore.OriginalsUsage(0, 0));
            out.add(new DekUsage(
                    PREFIX + datasetId,
                    v,
                    f.files(),
                    f.bytes(),
                    o.count(),
                    o.bytes(),
                    v < primary.version() ? journaled : 0,
                    0,
                    now));
        }
        return out;
    }

    /**
     * Sleeps after work so that, on average, at most {@code bytesPerSecond} are rewritten; in
     * slices, so that an urgent request cuts the pause short.
     */
    private final class Throttle {
        private final long bytesPerSecond;

        Throttle(long bytesPerSecond) {
            this.bytesPerSecond = bytesPerSecond;
        }

        void spent(long bytes) throws InterruptedException {
            if (bytesPerSecond == Long.MAX_VALUE) {
                return;
            }
            long until = System.nanoTime() + bytes * 1_000_000_000L / bytesPerSecond;
            while (!hurry && System.nanoTime() < until) {
                Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            }
        }
    }
}
