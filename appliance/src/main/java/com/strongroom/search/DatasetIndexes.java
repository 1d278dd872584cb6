package com.strongroom.search;

import com.strongroom.index.EncryptedDirectory;
import com.strongroom.index.PageCache;
import com.strongroom.keys.HsmException;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealListener;
import com.strongroom.keys.SealState;
import com.strongroom.keys.SealedException;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.lucene.store.MMapDirectory;

/**
 * The open dataset indexes. Follows the seal state: sealing commits and closes every index and
 * wipes its plaintext page cache before the DEKs are zeroed; unsealing opens them again. While
 * sealed, {@link #get} throws {@link SealedException}.
 */
public final class DatasetIndexes implements SealListener, Closeable {
    private static final Logger LOG = Logger.getLogger(DatasetIndexes.class.getName());
    private static final Pattern DATASET_ID = Pattern.compile("[A-Za-z0-9_]{1,64}");

    /**
     * @param root one directory per dataset below it
     * @param pageCacheBytes decrypted pages kept per open dataset
     * @param vectorCacheBytes decrypted vector data kept per open dataset (beyond it, vectors are
     *     paged: correct but slower)
     * @param pageSize plaintext bytes per encrypted page, 8..64 KiB
     * @param commitInterval how often indexed chunks are made durable
     */
    public record Settings(
            Path root, long pageCacheBytes, long vectorCacheBytes, int pageSize, Duration commitInterval) {}

    private record Open(DatasetIndex index, EncryptedDirectory directory, PageCache cache) {}

    private final Settings settings;
    private final KeyManager keys;
    private final Map<String, Open> open = new HashMap<>();
    private final ScheduledExecutorService committer;
    private volatile boolean sealed = true;
    private volatile IndexChangeLog changeLog = IndexChangeLog.NONE;
    /** Datasets whose index failed to open, with the reason (for health and the log only). */
    private final Map<String, String> unreadable = new java.util.concurrent.ConcurrentHashMap<>();

    private volatile java.util.function.BiConsumer<String, String> unreadableListener = (id, reason) -> {};

    public DatasetIndexes(Settings settings, KeyManager keys) {
        this.settings = settings;
        this.keys = keys;
        this.committer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "strongroom-index-commit");
            t.setDaemon(true);
            return t;
        });
        long every = settings.commitInterval().toMillis();
        committer.scheduleWithFixedDelay(
                com.strongroom.tasks.SurvivingTask.of("index commit", this::commitAll),
                every,
                every,
                TimeUnit.MILLISECONDS);
        if (keys.state() == SealState.UNSEALED) {
            afterUnseal(keys);
        }
    }

    /*
     * Lock order: the key manager first, then this registry. The key manager calls the seal
     * callbacks below while holding its own lock, and opening files may load a key through it.
     */

    /** Creates the index of a new dataset, and its DEK. */
    public DatasetIndex create(String datasetId, EmbeddingSpec spec) throws IOException {
        synchronized (keys) {
            synchronized (this) {
                return createLocked(datasetId, spec);
            }
        }
    }

    private DatasetIndex createLocked(String datasetId, EmbeddingSpec spec) throws IOException {
        requireUnsealed();
        Path dir = dir(datasetId);
        if (open.containsKey(datasetId) || Files.exists(dir)) {
            throw new IllegalStateException("dataset " + datasetId + " already has an index");
        }
        String purpose = DatasetKeys.purpose(datasetId);
        try {
            keys.rotateDek(purpose);
        } catch (HsmException e) {
            throw new SealedException();
        } catch (SQLException e) {
            throw new IOException("keyring unavailable: " + e.getMessage(), e);
        }
        Files.createDirectories(dir);
        Open opened = openDirectory(datasetId, dir, true, spec);
        open.put(datasetId, opened);
        return opened.index();
    }

    /** Told once per dataset id and unseal when its index turns out unreadable (for the audit trail). */
    public void reportUnreadableTo(java.util.function.BiConsumer<String, String> listener) {
        this.unreadableListener = listener;
    }

    /** Dataset id to reason, for every dataset whose index could not be opened since the unseal. */
    public Map<String, String> unreadable() {
        return Map.copyOf(unreadable);
    }

    private void markUnreadable(String datasetId, Exception e) {
        String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
        LOG.log(Level.SEVERE, "index of dataset " + datasetId + " cannot be read: " + reason);
        if (unreadable.put(datasetId, reason) == null) {
            try {
                unreadableListener.accept(datasetId, reason);
            } catch (RuntimeException listenerFailed) {
                LOG.log(Level.WARNING, "could not report unreadable dataset " + datasetId, listenerFailed);
            }
        }
    }

    /** Every index opened from now on tells {@code log} of its changes (set before unsealing). */
    public void journalChangesTo(IndexChangeLog log) {
        this.changeLog = log;
    }

    /**
     * The index of a dataset whose DEK already exists, created empty if it has none yet: for a
     * restore, which replays datasets created after its snapshot.
     */
    public DatasetIndex openOrCreateWithExistingKey(String datasetId, EmbeddingSpec spec) throws IOException {
        synchronized (keys) {
            synchronized (this) {
                requireUnsealed();
                Open existing = open.get(datasetId);
                if (existing != null) {
                    return existing.index();
                }
                Path dir = dir(datasetId);
                boolean create = !Files.isDirectory(dir);
                Files.createDirectories(dir);
                Open opened = openDirectory(datasetId, dir, create, spec);
                open.put(datasetId, opened);
                return opened.index();
            }
        }
    }

    /** A commit a backup is copying: its files stay on disk until {@link #release}. */
    public record PinnedCommit(String datasetId, Path dir, org.apache.lucene.index.IndexCommit commit) {}

    /** Commits and pins every open index; release each one when its files are copied. */
    public List<PinnedCommit> pinAll() throws IOException {
        synchronized (keys) {
            synchronized (this) {
                requireUnsealed();
                List<PinnedCommit> pinned = new ArrayList<>();
                try {
                    for (Map.Entry<String, Open> e : open.entrySet()) {
                        pinned.add(new PinnedCommit(
                                e.getKey(),
                                dir(e.getKey()),
                                e.getValue().index().pinCommit()));
                    }
                } catch (IOException | RuntimeException ex) {
                    for (PinnedCommit p : pinned) {
                        release(p);
                    }
                    throw ex;
                }
                return pinned;
            }
        }
    }

    /** Lets the index delete the pinned commit's files again once newer commits supersede it. */
    public synchronized void release(PinnedCommit pinned) {
        Open o = open.get(pinned.datasetId());
        if (o == null) {
            return; // closed meanwhile: the next open cleans up unreferenced files
        }
        try {
            o.index().release(pinned.commit());
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "releasing the backup pin of dataset " + pinned.datasetId() + ": " + e.getMessage());
        }
    }

    /** The open index of {@code datasetId}. */
    public DatasetIndex get(String datasetId) throws IOException {
        synchronized (this) {
            requireUnsealed();
            Open existing = open.get(datasetId);
            if (existing != null) {
                return existing.index();
            }
        }
        synchronized (keys) {
            synchronized (this) {
                return getLocked(datasetId);
            }
        }
    }

    private DatasetIndex getLocked(String datasetId) throws IOException {
        requireUnsealed();
        Open existing = open.get(datasetId);
        if (existing != null) {
            return existing.index();
        }
        Path dir = dir(datasetId);
        if (!Files.isDirectory(dir)) {
            throw new UnknownDatasetException(datasetId);
        }
        Open opened;
        try {
            opened = openDirectory(datasetId, dir, false, null);
        } catch (SealedException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            markUnreadable(datasetId, e);
            throw new DatasetUnreadableException(datasetId);
        }
        unreadable.remove(datasetId); // put back by the operator (a restore of its files)
        open.put(datasetId, opened);
        return opened.index();
    }

    /**
     * Closes the dataset's index and deletes its files (a purge). The DEK is the caller's to shred;
     * the files are deleted anyway so that nothing is left for a later key compromise.
     */
    public void drop(String datasetId) throws IOException {
        synchronized (keys) {
            synchronized (this) {
                Path dir = dir(datasetId);
                Open o = open.remove(datasetId);
                if (o != null) {
                    try {
                        o.index().abandon();
                    } finally {
                        o.cache().wipe();
                        o.directory().close();
                    }
                }
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> files = Files.list(dir)) {
                        for (Path f : files.toList()) {
                            Files.deleteIfExists(f);
                        }
                    }
                    Files.deleteIfExists(dir);
                }
            }
        }
    }

    public boolean isSealed() {
        return sealed;
    }

    /** Ids of the datasets whose index is open now. */
    public synchronized List<String> openDatasets() {
        return List.copyOf(open.keySet());
    }

    /** Bytes of decrypted pages and vectors held in memory across all open datasets. */
    public synchronized long cachedPlaintextBytes() {
        long total = 0;
        for (Open o : open.values()) {
            PageCache.Usage usage = o.cache().usage();
            total += usage.pageBytes() + usage.vectorBytes();
        }
        return total;
    }

    private Open openDirectory(String datasetId, Path dir, boolean create, EmbeddingSpec spec) throws IOException {
        PageCache cache = PageCache.create(settings.pageCacheBytes(), settings.vectorCacheBytes());
        EncryptedDirectory directory;
        try {
            directory = EncryptedDirectory.create(
                    new MMapDirectory(dir), new DatasetKeys(keys, datasetId), cache, settings.pageSize());
        } catch (IOException | RuntimeException e) {
            cache.close();
            throw e;
        }
        try {
            DatasetIndex index = create
                    ? DatasetIndex.create(datasetId, directory, spec, changeLog)
                    : DatasetIndex.open(datasetId, directory, changeLog);
            return new Open(index, directory, cache);
        } catch (IOException | RuntimeException e) {
            directory.close();
            throw e;
        }
    }

    private Path dir(String datasetId) {
        if (!DATASET_ID.matcher(datasetId).matches()) {
            throw new IllegalArgumentException("invalid dataset id");
        }
        return settings.root().resolve(datasetId);
    }

    private void requireUnsealed() {
        if (sealed) {
            throw new SealedException();
        }
    }

    private void commitAll() {
        synchronized (keys) {
            synchronized (this) {
                commitAllLocked();
            }
        }
    }

    private void commitAllLocked() {
        for (Map.Entry<String, Open> entry : open.entrySet()) {
            try {
                entry.getValue().index().commit();
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "commit of dataset " + entry.getKey() + " failed: " + e.getMessage());
            }
        }
    }

    /** Opens every dataset found on disk; one that fails is logged and left closed. */
    @Override
    public synchronized void afterUnseal(KeyManager keys) {
        sealed = false;
        List<String> ids = new ArrayList<>();
        if (Files.isDirectory(settings.root())) {
            try (Stream<Path> dirs = Files.list(settings.root())) {
                dirs.filter(Files::isDirectory)
                        .map(p -> p.getFileName().toString())
                        .filter(id -> DATASET_ID.matcher(id).matches())
                        .forEach(ids::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (String id : ids) {
            if (!open.containsKey(id)) {
                try {
                    open.put(id, openDirectory(id, dir(id), false, null));
                } catch (IOException | RuntimeException e) {
                    // left closed: this dataset answers dataset_unreadable, every other one serves
                    markUnreadable(id, e);
                }
            }
        }
        if (!ids.isEmpty()) {
            LOG.info(() -> "opened " + open.size() + " dataset index(es)");
        }
    }

    /** Keys are still readable here, so what was indexed is committed before the files close. */
    @Override
    public synchronized void beforeSeal(KeyManager keys, String reason) {
        sealed = true;
        closeAll(true);
        unreadable.clear(); // looked at again at the next unseal
    }

    private void closeAll(boolean commit) {
        for (Map.Entry<String, Open> entry : open.entrySet()) {
            Open o = entry.getValue();
            try {
                if (commit) {
                    o.index().close();
                } else {
                    o.index().abandon();
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "closing dataset " + entry.getKey() + ": " + e.getMessage());
                try {
                    o.index().abandon();
                } catch (IOException | RuntimeException ignored) {
                    // already failing; the wipe below still runs
                }
            } finally {
                o.cache().wipe();
                try {
                    o.directory().close(); // closes the cache too
                } catch (IOException | RuntimeException e) {
                    LOG.log(Level.WARNING, "closing files of dataset " + entry.getKey() + ": " + e.getMessage());
                }
            }
        }
        open.clear();
    }

    @Override
    public synchronized void close() {
        committer.shutdownNow();
        sealed = true;
        closeAll(true);
    }
}
