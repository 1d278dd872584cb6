package com.strongroom.documents;

import com.strongroom.auth.Ids;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.VersionedKey;
import com.strongroom.search.DatasetIndexes;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;

/**
 * Accepts uploads into the durable queue (original sealed under the dataset's current DEK version)
 * and deletes documents from both the store and the index.
 */
public final class DocumentService {
    private final DocumentStore store;
    private final DatasetIndexes indexes;
    private final KeyManager keys;
    private final Runnable queued;
    private final Clock clock;

    /** @param queued called after a document was queued, to wake the worker */
    private final int maxDocuments;

    /** @param maxDocuments documents not deleted one dataset may hold (quotas.documents-per-dataset) */
    public DocumentService(
            DocumentStore store,
            DatasetIndexes indexes,
            KeyManager keys,
            Runnable queued,
            Clock clock,
            int maxDocuments) {
        this.maxDocuments = maxDocuments;
        this.store = store;
        this.indexes = indexes;
        this.keys = keys;
        this.queued = queued;
        this.clock = clock;
    }

    public record Upload(String filename, String contentType, byte[] content, Map<String, Object> metadata) {}

    /** Stores the upload, sealed, with status PROCESSING; the worker takes it from there. */
    public Document submit(String organizationId, String datasetId, Upload upload) throws SQLException {
        OffsetDateTime now = now();
        Document d = new Document(
                Ids.create("doc"),
                datasetId,
                organizationId,
                upload.filename(),
                upload.contentType(),
                upload.content().length,
                upload.metadata(),
                Document.Status.PROCESSING,
                null,
                null,
                now,
                now);
        VersionedKey key = keys.primary("dataset:" + datasetId);
        store.insert(d, key.version(), SealedContent.seal(key.key(), d.id(), upload.content()), maxDocuments);
        queued.run();
        return d;
    }

    public Optional<Document> find(String organizationId, String datasetId, String id) throws SQLException {
        return store.find(organizationId, datasetId, id);
    }

    public DocumentStore.Page list(String organizationId, String datasetId, int limit, int offset) throws SQLException {
        return store.list(organizationId, datasetId, limit, offset);
    }

    /**
     * Puts a document that a fault failed back in the queue (its sealed original is kept until
     * deletion); the worker is woken. A ready, processing or refused document is left alone.
     */
    public DocumentStore.Requeue retry(String organizationId, String datasetId, String id) throws SQLException {
        DocumentStore.Requeue result = store.requeue(organizationId, datasetId, id, now());
        if (result == DocumentStore.Requeue.REQUEUED) {
            queued.run();
        }
        return result;
    }

    /**
     * Removes the document's chunks from search, then its row and original from the store, in that
     * order: a failure half-way (an unreadable index, a kill) leaves a document that still exists
     * and can be deleted again, never a deleted document whose chunks are still found. The index is
     * cleared once more after the row is marked, for an ingest round that indexed the document in
     * between (the worker itself only re-clears documents already marked deleted).
     */
    public boolean delete(String organizationId, String datasetId, String id) throws SQLException, IOException {
        if (store.find(organizationId, datasetId, id).isEmpty()) {
            return false;
        }
        var index = indexes.get(datasetId);
        index.deleteDocument(id);
        index.commit();
        if (!store.delete(organizationId, datasetId, id, now())) {
            return false;
        }
        long generation = index.deleteDocument(id);
        index.commit();
        try {
            index.awaitSearchable(generation); // once the answer says deleted, no query finds it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
    }
}
