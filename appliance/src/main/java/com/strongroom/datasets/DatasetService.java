package com.strongroom.datasets;

import com.strongroom.audit.AuditEvent;
import com.strongroom.audit.AuditLog;
import com.strongroom.auth.Ids;
import com.strongroom.keys.DekRecord;
import com.strongroom.keys.DekState;
import com.strongroom.keys.KeyManager;
import com.strongroom.search.DatasetIndexes;
import com.strongroom.search.EmbeddingSpec;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Dataset life cycle: create (row, DEK and index together), update, soft delete with a restore
 * window, and purge, which crypto-shreds the dataset's DEK so its data is unreadable everywhere,
 * old backups included.
 */
public final class DatasetService {
    private static final Logger LOG = Logger.getLogger(DatasetService.class.getName());
    /** The design's default; operators set retention.soft-deleted-datasets. */
    public static final Duration DEFAULT_RESTORE_WINDOW = Duration.ofDays(30);

    private final DatasetStore store;
    private final DatasetIndexes indexes;
    private final KeyManager keys;
    private final AuditLog audit;
    private final Clock clock;
    private final Duration restoreWindow;
    private final Quotas quotas;

    public DatasetService(
            DatasetStore store,
            DatasetIndexes indexes,
            KeyManager keys,
            AuditLog audit,
            Clock clock,
            Duration restoreWindow,
            Quotas quotas) {
        this.quotas = quotas;
        this.store = store;
        this.indexes = indexes;
        this.keys = keys;
        this.audit = audit;
        this.clock = clock;
        this.restoreWindow = restoreWindow;
    }

    public record NewDataset(String name, String description, Map<String, Object> metadata, EmbeddingSpec embedding) {}

    public Dataset create(String organizationId, NewDataset request) throws SQLException, IOException {
        OffsetDateTime now = now();
        Dataset dataset = new Dataset(
                Ids.create("ds"),
                organizationId,
                request.name(),
                request.description(),
                request.metadata(),
                request.embedding().model(),
                request.embedding().dimensions(),
                now,
                now,
                null,
                null);
        // first, so that a name clash or a full quota costs no key and no index
        store.insert(dataset, quotas.datasetsPerOrganization());
        try {
            indexes.create(dataset.id(), request.embedding());
        } catch (IOException | RuntimeException e) {
            store.markPurged(dataset.id(), now);
            throw e;
        }
        return dataset;
    }

    /** An active dataset of the organization. */
    public Optional<Dataset> find(String organizationId, String id) throws SQLException {
        return store.find(organizationId, id).filter(d -> !d.deleted());
    }

    public DatasetStore.Page list(String organizationId, DatasetStore.Sort sort, int limit, int offset)
            throws SQLException {
        return store.list(organizationId, false, sort, limit, offset);
    }

    /** Deleted datasets that can still be restored, newest deletion first by default sort. */
    public DatasetStore.Page listDeleted(String organizationId, DatasetStore.Sort sort, int limit, int offset)
            throws SQLException {
        return store.list(organizationId, true, sort, limit, offset);
    }

    public Optional<Dataset> update(
            String organizationId, String id, String name, String description, Map<String, Object> metadata)
            throws SQLException {
        Optional<Dataset> current = find(organizationId, id);
        if (current.isEmpty()) {
            return current;
        }
        Dataset d = current.get();
        Dataset updated = new Dataset(
                d.id(),
                d.organizationId(),
                name == null ? d.name() : name,
                description == null ? d.description() : description,
                metadata == null ? d.metadata() : metadata,
                d.embeddingModel(),
                d.embeddingDimensions(),
                d.createdAt(),
                now(),
                null,
                null);
        return store.update(updated) ? Optional.of(updated) : Optional.empty();
    }

    public Optional<Dataset> delete(String organizationId, String id) throws SQLException {
        OffsetDateTime now = now();
        if (!store.softDelete(organizationId, id, now, now.plus(restoreWindow))) {
            return Optional.empty();
        }
        return store.find(organizationId, id);
    }

    /** Restores a soft-deleted dataset within its window. */
    public Optional<Dataset> restore(String organizationId, String id) throws SQLException {
        Optional<Dataset> deleted = store.find(organizationId, id).filter(Dataset::deleted);
        if (deleted.isEmpty()
                || !store.restore(organizationId, id, now(), deleted.get().name(), quotas.datasetsPerOrganization())) {
            return Optional.empty();
        }
        return find(organizationId, id);
    }

    /**
     * Purges every dataset whose restore window has passed: row claimed as purged first (so a
     * restore racing with the purge finds nothing to restore: only one of the two succeeds), then
     * index files deleted and every version of its DEK destroyed. A purge claimed but not finished
     * (a failure, a kill) is finished on a later run. Returns how many were purged.
     */
    public int purgeDue() throws SQLException {
        int purged = 0;
        OffsetDateTime now = now();
        for (Dataset d : store.duePurges(now)) {
            if (store.claimPurge(d.id(), now) && finishPurge(d.id())) {
                audit.record(AuditEvent.system(
                        "dataset.purged",
                        d.id(),
                        AuditEvent.Outcome.SUCCESS,
                        "crypto-shredded after the restore window"));
                purged++;
            }
        }
        for (DekRecord dek : keys.keyring().deks()) {
            if (dek.purpose().startsWith("dataset:") && dek.state() != DekState.DESTROYED) {
                String id = dek.purpose().substring("dataset:".length());
                if (store.isPurged(id)) {
                    finishPurge(id); // claimed by an earlier run that did not finish
                }
            }
        }
        return purged;
    }

    private boolean finishPurge(String datasetId) {
        try {
            indexes.drop(datasetId);
            String purpose = "dataset:" + datasetId;
            for (DekRecord dek : keys.keyring().deks()) {
                if (dek.purpose().equals(purpose) && dek.state() != DekState.DESTROYED) {
                    keys.shred(purpose, dek.version());
                }
            }
            return true;
        } catch (IOException | SQLException | RuntimeException e) {
            LOG.log(
                    Level.WARNING,
                    "purge of dataset " + datasetId + " failed; finished on the next run: " + e.getMessage());
            return false;
        }
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
    }
}
