package com.strongroom.ingest;

import com.strongroom.crypto.DecryptionFailedException;
import com.strongroom.documents.Document;
import com.strongroom.documents.DocumentStore;
import com.strongroom.documents.SealedContent;
import com.strongroom.embedding.EmbeddingException;
import com.strongroom.embedding.EmbeddingModel;
import com.strongroom.keys.KeyDestroyedException;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealListener;
import com.strongroom.keys.SealedException;
import com.strongroom.search.ChunkRecord;
import com.strongroom.search.DatasetIndex;
import com.strongroom.search.DatasetIndexes;
import com.strongroom.search.InvalidSearchException;
import com.strongroom.search.UnknownDatasetException;
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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.lucene.store.AlreadyClosedException;

/**
 * Processes the durable queue (documents in status PROCESSING): decrypt the original, extract its
 * text, chunk, embed in batches across documents, index, commit, and only then mark the documents
 * ready. A crash at any point leaves them PROCESSING, and re-processing replaces a document's
 * chunks instead of adding them twice.
 *
 * <p>Only a bad document fails ({@link DocumentRejectedException} and its kin). A fault ({@link
 * IngestFaults#isTransient}) leaves the documents it touched PROCESSING and due again after a
 * delay that doubles per attempt up to a cap, so an embedding outage, a sealed appliance or one
 * dataset's broken index holds back only the documents that need the failing part. Documents are
 * taken fairly across organizations and datasets ({@link DocumentStore#queued}).
 */
public final class IngestWorker implements SealListener, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(IngestWorker.class.getName());
    /** Documents taken per round; their chunks are embedded together. */
    static final int BATCH_DOCUMENTS = 16;

    private final DocumentStore documents;
    private final DatasetIndexes indexes;
    private final KeyManager keys;
    private final TextExtractor extractor;
    private final Chunker chunker;
    private final EmbeddingModel model;
    private final Clock clock;
    private final IngestListener listener;
    private final RetryDelay retryDelay;
    private final Semaphore wake = new Semaphore(0);
    private final Thread thread;
    private volatile boolean running = true;

    /** Delay before the (n+1)-th attempt after n faults: base × 2ⁿ⁻¹, at most max. */
    public record RetryDelay(Duration base, Duration max) {
        Duration after(int faults) {
            Duration d = base;
            for (int i = 1; i < faults && d.compareTo(max) < 0; i++) {
                d = d.multipliedBy(2);
            }
            return d.compareTo(max) < 0 ? d : max;
        }
    }

    public IngestWorker(
            DocumentStore documents,
            DatasetIndexes indexes,
            KeyManager keys,
            TextExtractor extractor,
            Chunker chunker,
            EmbeddingModel model,
            Clock clock,
            IngestListener listener,
            RetryDelay retryDelay) {
        this.listener = listener;
        this.documents = documents;
        this.indexes = indexes;
        this.keys = keys;
        this.extractor = extractor;
        this.chunker = chunker;
        this.model = model;
        this.clock = clock;
        this.retryDelay = retryDelay;
        this.thread = new Thread(this::run, "strongroom-ingest");
        thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** A document was queued: look now rather than at the next poll. */
    public void wake() {
        wake.release();
    }

    @Override
    public void afterUnseal(KeyManager keys) {
        wake();
    }

    private void run() {
        int batch = BATCH_DOCUMENTS;
        while (running) {
            try {
                if (batch == BATCH_DOCUMENTS) {
                    wake.tryAcquire(1, TimeUnit.SECONDS);
                    wake.drainPermits();
                }
                while (running && !indexes.isSealed() && processBatch(batch) > 0) {
                    batch = BATCH_DOCUMENTS; // a round went through: back to full batches
                }
            } catch (InterruptedException e) {
                return;
            } catch (SealedException | AlreadyClosedException e) {
                LOG.fine("ingestion paused: sealed");
            } catch (SQLException | IOException e) {
                LOG.log(Level.WARNING, "ingestion round failed; retrying: " + e.getMessage(), e);
                pause();
            } catch (Throwable e) {
                // One document may poison a batch: retry one at a time; processBatch(1) fails a
                // single document that still breaks, so that the rest of the queue keeps moving.
                LOG.log(Level.WARNING, "ingestion round failed; retrying its documents one by one", e);
                batch = 1;
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
    }

    /** One round; returns how many documents it finished (ready or failed) or deferred. */
    int processBatch(int size) throws SQLException, IOException {
        List<DocumentStore.Queued> queued = documents.queued(size, now());
        if (queued.isEmpty()) {
            return 0;
        }
        try {
            process(queued);
        } catch (RuntimeException e) {
            if (IngestFaults.isTransient(e)) {
                defer(queued, e);
            } else if (queued.size() == 1) {
                failByFault(queued.getFirst(), e);
            } else {
                throw e;
            }
        }
        return queued.size();
    }

    private void process(List<DocumentStore.Queued> queued) throws SQLException, IOException {
        Map<String, String> failures = new LinkedHashMap<>();
        Map<String, DocumentStore.Queued> byId = new LinkedHashMap<>();
        for (DocumentStore.Queued q : queued) {
            byId.put(q.document().id(), q);
        }
        List<DocumentStore.Queued> faulted = new ArrayList<>();
        Throwable fault = null;
        List<Prepared> prepared = new ArrayList<>();
        for (DocumentStore.Queued q : queued) {
            try {
                prepared.add(prepare(q));
            } catch (DocumentRejectedException e) {
                failures.put(q.document().id(), e.getMessage());
            } catch (UnknownDatasetException e) {
                failures.put(q.document().id(), "the dataset no longer exists");
            } catch (KeyDestroyedException e) {
                failures.put(q.document().id(), "the dataset's key was destroyed");
            } catch (DecryptionFailedException e) {
                failures.put(q.document().id(), "the stored original does not authenticate (corrupt or tampered)");
            } catch (IOException | RuntimeException e) {
                if (!IngestFaults.isTransient(e)) {
                    throw e;
                }
                faulted.add(q);
                fault = e;
            }
        }
        try {
            embed(prepared);
        } catch (EmbeddingException e) {
            if (!e.isTransient()) {
                throw e;
            }
            // only the documents the model had to embed wait; those with their own vectors go on
            for (var it = prepared.iterator(); it.hasNext(); ) {
                Prepared p = it.next();
                if (p.vectors() == null) {
                    faulted.add(byId.get(p.document().id()));
                    it.remove();
                }
            }
            fault = e;
        }
        Map<String, List<Prepared>> byDataset = new LinkedHashMap<>();
        for (Prepared p : prepared) {
            byDataset
                    .computeIfAbsent(p.document().datasetId(), k -> new ArrayList<>())
                    .add(p);
        }
        Map<String, DatasetIndex> touched = new LinkedHashMap<>();
        for (Map.Entry<String, List<Prepared>> dataset : byDataset.entrySet()) {
            try {
                indexDataset(dataset.getKey(), dataset.getValue(), failures, touched);
            } catch (IOException | RuntimeException e) {
                if (!IngestFaults.isTransient(e)) {
                    throw e;
                }
                // this dataset's index is failing: its documents wait, the other datasets go on
                touched.remove(dataset.getKey());
                for (Prepared p : dataset.getValue()) {
                    faulted.add(byId.get(p.document().id()));
                }
                fault = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        OffsetDateTime now = now();
        for (Prepared p : prepared) {
            String id = p.document().id();
            DatasetIndex index = touched.get(p.document().datasetId());
            if (failures.containsKey(id) || index == null) {
                continue;
            }
            if (documents.finish(id, Document.Status.READY, p.records().size(), null, now)) {
                listener.processed(p.document(), p.records().size());
            } else {
                // deleted while it was being processed: take its chunks out again
                index.deleteDocument(id);
                index.commit();
            }
        }
        for (Map.Entry<String, String> f : failures.entrySet()) {
            if (documents.finish(
                    f.getKey(), Document.Status.FAILED, 0, f.getValue(), DocumentStore.FailureKind.DOCUMENT, now)) {
                listener.failed(byId.get(f.getKey()).document(), f.getValue());
            }
        }
        if (!faulted.isEmpty()) {
            defer(faulted, fault);
        }
    }

    /** Indexes, commits and waits until searchable: "ready" means durable and found by a query. */
    private void indexDataset(
            String datasetId, List<Prepared> prepared, Map<String, String> failures, Map<String, DatasetIndex> touched)
            throws IOException, InterruptedException {
        DatasetIndex index;
        try {
            index = indexes.get(datasetId);
        } catch (UnknownDatasetException e) {
            prepared.forEach(p -> failures.put(p.document().id(), "the dataset no longer exists"));
            return;
        }
        long generation = -1;
        for (Prepared p : prepared) {
            try {
                generation =
                        Math.max(generation, index.replaceDocument(p.document().id(), p.records()));
            } catch (InvalidSearchException e) {
                failures.put(p.document().id(), e.getMessage());
            }
        }
        index.commit();
        if (generation >= 0) {
            index.awaitSearchable(generation);
        }
        touched.put(datasetId, index);
    }

    /** The documents stay PROCESSING and come back after the retry delay for their attempt. */
    private void defer(List<DocumentStore.Queued> faulted, Throwable fault) throws SQLException {
        OffsetDateTime now = now();
        int attempts = 0;
        for (DocumentStore.Queued q : faulted) {
            attempts = Math.max(attempts, q.attempts() + 1);
            documents.defer(q.document().id(), now.plus(retryDelay.after(q.attempts() + 1)));
        }
        // the message names the failing part (provider, HSM, index), never a document's content
        LOG.warning("ingestion of " + faulted.size() + " document(s) deferred after a fault (attempt " + attempts
                + ", next in " + retryDelay.after(attempts).toMillis() + " ms): " + describe(fault));
    }

    private static String describe(Throwable fault) {
        if (fault == null) {
            return "unknown";
        }
        return fault instanceof EmbeddingException || fault instanceof SealedException
                ? fault.getMessage()
                : fault.getClass().getSimpleName() + ": " + fault.getMessage();
    }

    /** A fault retrying cannot clear (a provider answering nonsense, a bug): failed, re-queueable. */
    private void failByFault(DocumentStore.Queued q, Throwable cause) {
        try {
            String reason;
            if (cause instanceof EmbeddingException e) {
                reason = "The embedding provider failed: " + e.getMessage()
                        + "; once it is fixed, re-queue the document with POST .../retry.";
            } else {
                LOG.log(Level.SEVERE, "document " + q.document().id() + " could not be processed", cause);
                reason = "The document could not be processed (internal error; the administrator can find"
                        + " document " + q.document().id() + " in the appliance log).";
            }
            if (documents.finish(
                    q.document().id(),
                    Document.Status.FAILED,
                    0,
                    reason,
                    DocumentStore.FailureKind.FAULT,
                    OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC))) {
                listener.failed(q.document(), reason);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "could not record the failure: " + e.getMessage());
        }
    }

    /** {@code vectors} are the client's own, or null when the model must embed the chunks. */
    private record Prepared(Document document, List<Chunk> chunks, List<float[]> vectors, List<ChunkRecord> records) {}

    private Prepared prepare(DocumentStore.Queued q)
            throws KeyDestroyedException, DecryptionFailedException, IOException {
        Document d = q.document();
        byte[] original =
                SealedContent.open(keys.key("dataset:" + d.datasetId(), q.keyVersion()), d.id(), q.sealedContent());
        if (d.contentType().equals(ProvidedChunks.MEDIA_TYPE)) {
            ProvidedChunks.Decoded provided = ProvidedChunks.decode(original);
            return new Prepared(
                    d,
                    provided.chunks(),
                    provided.vectors(),
                    new ArrayList<>(provided.chunks().size()));
        }
        String datasetModel = indexes.get(d.datasetId()).spec().model();
        if (!datasetModel.equals(model.id())) {
            throw new UnreadableDocumentException("This dataset holds vectors from model '" + datasetModel
                    + "'; upload its documents as chunks with their own vectors.");
        }
        ExtractedText text = extractor.extract(original, d.filename(), d.contentType());
        List<Chunk> chunks = chunker.chunk(text.text());
        if (chunks.isEmpty()) {
            throw new UnreadableDocumentException("The document contains no text to index.");
        }
        return new Prepared(d, chunks, null, new ArrayList<>(chunks.size()));
    }

    /** Embeds every chunk of the round in one call: the model batches far better than per document. */
    private void embed(List<Prepared> prepared) {
        List<String> texts = new ArrayList<>();
        for (Prepared p : prepared) {
            if (p.vectors() == null) {
                for (Chunk c : p.chunks()) {
                    texts.add(c.text());
                }
            }
        }
        List<float[]> vectors = texts.isEmpty() ? List.of() : model.embed(texts);
        int i = 0;
        for (Prepared p : prepared) {
            String stem = p.document().id().substring(p.document().id().indexOf('_') + 1);
            for (int n = 0; n < p.chunks().size(); n++) {
                Chunk c = p.chunks().get(n);
                p.records()
                        .add(new ChunkRecord(
                                "ch_" + stem + "_" + n,
                                p.document().id(),
                                c.text(),
                                c.start(),
                                c.end(),
                                p.vectors() != null ? p.vectors().get(n) : vectors.get(i++),
                                p.document().metadata()));
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(10_000);
    }
}
