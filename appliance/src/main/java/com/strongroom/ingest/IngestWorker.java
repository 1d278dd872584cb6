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
    private final Semaphore wake = new Semaphore(0);
    private final Thread thread;
    private volatile boolean running = true;

    public IngestWorker(
            DocumentStore documents,
            DatasetIndexes indexes,
            KeyManager keys,
            TextExtractor extractor,
            Chunker chunker,
            EmbeddingModel model,
            Clock clock,
            IngestListener listener) {
        this.listener = listener;
        this.documents = documents;
        this.indexes = indexes;
        this.keys = keys;
        this.extractor = extractor;
        this.chunker = chunker;
        this.model = model;
        this.clock = clock;
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
                // One document may poison a batch: retry one at a time, and give up on a single
                // document that still fails, so that the rest of the queue keeps moving.
                if (batch > 1) {
                    LOG.log(Level.WARNING, "ingestion round failed; retrying its documents one by one", e);
                    batch = 1;
                } else {
                    failHead(e);
                    batch = BATCH_DOCUMENTS;
                }
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

    private void failHead(Throwable cause) {
        try {
            for (DocumentStore.Queued q : documents.queued(1)) {
                LOG.log(Level.SEVERE, "document " + q.document().id() + " could not be processed", cause);
                String reason = "The document could not be processed (internal error; the administrator can find"
                        + " document " + q.document().id() + " in the appliance log).";
                if (documents.finish(
                        q.document().id(),
                        Document.Status.FAILED,
                        0,
                        reason,
                        OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC))) {
                    listener.failed(q.document(), reason);
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "could not record the failure: " + e.getMessage());
        }
    }

    /** One round; returns how many documents it finished (ready or failed). */
    int processBatch(int size) throws SQLException, IOException {
        List<DocumentStore.Queued> queued = documents.queued(size);
        if (queued.isEmpty()) {
            return 0;
        }
        Map<String, String> failures = new LinkedHashMap<>();
        Map<String, Document> byId = new LinkedHashMap<>();
        for (DocumentStore.Queued q : queued) {
            byId.put(q.document().id(), q.document());
        }
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
            }
        }
        embed(prepared);
        Map<String, DatasetIndex> touched = new LinkedHashMap<>();
        Map<DatasetIndex, Long> generations = new LinkedHashMap<>();
        for (Prepared p : prepared) {
            try {
                DatasetIndex index = indexes.get(p.document().datasetId());
                long generation = index.replaceDocument(p.document().id(), p.records());
                touched.put(p.document().datasetId(), index);
                generations.merge(index, generation, Math::max);
            } catch (InvalidSearchException e) {
                failures.put(p.document().id(), e.getMessage());
            } catch (UnknownDatasetException e) {
                failures.put(p.document().id(), "the dataset no longer exists");
            }
        }
        for (DatasetIndex index : touched.values()) {
            index.commit(); // durable before anyone is told "ready"
        }
        for (Map.Entry<DatasetIndex, Long> g : generations.entrySet()) {
            try {
                g.getKey().awaitSearchable(g.getValue()); // and searchable: "ready" means a query finds it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            }
        }
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        for (Prepared p : prepared) {
            String id = p.document().id();
            if (failures.containsKey(id)) {
                continue;
            }
            if (documents.finish(id, Document.Status.READY, p.records().size(), null, now)) {
                listener.processed(p.document(), p.records().size());
            } else {
                // deleted while it was being processed: take its chunks out again
                DatasetIndex index = touched.get(p.document().datasetId());
                index.deleteDocument(id);
                index.commit();
            }
        }
        for (Map.Entry<String, String> f : failures.entrySet()) {
            if (documents.finish(f.getKey(), Document.Status.FAILED, 0, f.getValue(), now)) {
                listener.failed(byId.get(f.getKey()), f.getValue());
            }
        }
        return queued.size();
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
        List<float[]> vectors;
        try {
            vectors = texts.isEmpty() ? List.of() : model.embed(texts);
        } catch (EmbeddingException e) {
            throw new IllegalStateException("embedding failed: " + e.getMessage(), e);
        }
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
