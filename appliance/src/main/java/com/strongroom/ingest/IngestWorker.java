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
import java.util.ArrayDeque;
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
 * text, chunk, embed a bounded slice of chunks per round shared fairly across organizations,
 * index, commit, and only then mark the documents ready. A crash at any point leaves them PROCESSING, and re-processing replaces a document's
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
    /** Documents in the working set at most: taken from the queue, their chunks being embedded. */
    static final int BATCH_DOCUMENTS = 16;
    /**
     * Chunks embedded per round: a few of the model's own batches (32), about 2 s on two AVX2
     * cores, which bounds how long a tenant's large document holds up another's small one.
     */
    static final int ROUND_CHUNKS = 96;
    /** Chunks per call of the model: its own batch, so a query waits behind one batch at most. */
    static final int EMBED_CALL = 32;
    /** Extraction time per round after which no further document is taken into the working set. */
    static final Duration ADMIT_TIME = Duration.ofSeconds(1);

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
    private final Map<String, InProgress> working = new LinkedHashMap<>();
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
                if (working.isEmpty()) {
                    wake.tryAcquire(1, TimeUnit.SECONDS);
                    wake.drainPermits();
                }
                while (running && !indexes.isSealed() && processRound(batch) > 0) {
                    if (working.isEmpty()) {
                        batch = BATCH_DOCUMENTS; // the suspect went through: back to full rounds
                    }
                }
                if (indexes.isSealed()) {
                    working.clear(); // no plaintext kept while sealed; the documents stay queued
                }
            } catch (InterruptedException e) {
                return;
            } catch (SealedException | AlreadyClosedException e) {
                working.clear();
                LOG.fine("ingestion paused: sealed");
            } catch (SQLException | IOException e) {
                working.clear();
                LOG.log(Level.WARNING, "ingestion round failed; retrying: " + e.getMessage(), e);
                pause();
            } catch (Throwable e) {
                // One document may poison a round: retry one at a time; a round of one fails a
                // single document that still breaks, so that the rest of the queue keeps moving.
                working.clear();
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

    /**
     * One round: takes new documents into the working set (at most {@code maxDocuments} in it),
     * embeds one slice of their chunks, and indexes and finishes those whose chunks all have
     * vectors. Returns how many documents it moved on (0 when there is nothing to do).
     */
    int processRound(int maxDocuments) throws SQLException, IOException {
        int moved = admit(maxDocuments);
        if (working.isEmpty()) {
            return moved;
        }
        try {
            return moved + embedSliceAndFinish();
        } catch (RuntimeException e) {
            List<InProgress> touched = new ArrayList<>(working.values());
            working.clear();
            if (IngestFaults.isTransient(e)) {
                defer(touched.stream().map(InProgress::queued).toList(), e);
            } else if (touched.size() == 1) {
                failByFault(touched.getFirst().queued(), e);
            } else {
                throw e;
            }
            return touched.size();
        }
    }

    /**
     * Takes due documents in fair order into the working set, extracting and chunking each, until
     * the set is full or this round has spent {@link #ADMIT_TIME} extracting (always one, so the
     * queue moves): a tenant's slow documents then hold up another's by one extraction at most.
     */
    private int admit(int maxDocuments) throws SQLException, IOException {
        List<DocumentStore.Queued> due = documents.queued(maxDocuments + working.size(), now());
        Map<String, String> failures = new LinkedHashMap<>();
        Map<String, DocumentStore.Queued> failed = new LinkedHashMap<>();
        List<DocumentStore.Queued> faulted = new ArrayList<>();
        Throwable fault = null;
        int moved = 0;
        long started = System.nanoTime();
        for (DocumentStore.Queued q : due) {
            if (moved > 0 && System.nanoTime() - started > ADMIT_TIME.toNanos()) {
                break;
            }
            String id = q.document().id();
            if (working.containsKey(id) || !admits(q.document().organizationId(), maxDocuments)) {
                continue;
            }
            moved++;
            try {
                working.put(id, prepare(q));
                continue;
            } catch (DocumentRejectedException e) {
                failures.put(id, e.getMessage());
            } catch (UnknownDatasetException e) {
                failures.put(id, "the dataset no longer exists");
            } catch (KeyDestroyedException e) {
                failures.put(id, "the dataset's key was destroyed");
            } catch (DecryptionFailedException e) {
                failures.put(id, "the stored original does not authenticate (corrupt or tampered)");
            } catch (IOException | RuntimeException e) {
                if (!IngestFaults.isTransient(e)) {
                    if (maxDocuments == 1) {
                        failByFault(q, e);
                        continue;
                    }
                    throw e;
                }
                faulted.add(q);
                fault = e;
                continue;
            }
            failed.put(id, q);
        }
        fail(failures, failed);
        if (!faulted.isEmpty()) {
            defer(faulted, fault);
        }
        return moved;
    }

    /**
     * Room for one more document: while the set is full, still one for an organization that has
     * none in it (up to twice the size), so one tenant's large documents cannot fill it for all.
     */
    private boolean admits(String organizationId, int maxDocuments) {
        if (working.size() < maxDocuments) {
            return true;
        }
        if (maxDocuments == 1 || working.size() >= 2 * maxDocuments) {
            return false;
        }
        for (InProgress p : working.values()) {
            if (p.document().organizationId().equals(organizationId)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Embeds up to {@link #ROUND_CHUNKS} chunks, handed out one at a time to the organizations in
     * the working set in turn (and within one to its documents in order), so a large document is
     * embedded over several rounds while another tenant's small one goes through in the next.
     */
    private int embedSliceAndFinish() throws SQLException, IOException {
        Map<String, ArrayDeque<InProgress>> byOrganization = new LinkedHashMap<>();
        for (InProgress p : working.values()) {
            if (!p.complete()) {
                byOrganization
                        .computeIfAbsent(p.document().organizationId(), k -> new ArrayDeque<>())
                        .add(p);
            }
        }
        Map<InProgress, Integer> slice = new LinkedHashMap<>();
        int budget = ROUND_CHUNKS;
        while (budget > 0 && !byOrganization.isEmpty()) {
            for (var it = byOrganization.values().iterator(); it.hasNext() && budget > 0; ) {
                ArrayDeque<InProgress> queue = it.next();
                InProgress p = queue.peekFirst();
                int taken = slice.merge(p, 1, Integer::sum);
                budget--;
                if (p.embedded() + taken == p.chunks().size()) {
                    queue.removeFirst();
                    if (queue.isEmpty()) {
                        it.remove();
                    }
                }
            }
        }
        List<DocumentStore.Queued> faulted = new ArrayList<>();
        Throwable fault = null;
        if (!slice.isEmpty()) {
            List<String> texts = new ArrayList<>();
            slice.forEach((p, n) -> texts.addAll(p.pendingTexts(n)));
            try {
                // in calls of the model's batch size, so that a query waits for one at most
                List<float[]> vectors = new ArrayList<>(texts.size());
                for (int from = 0; from < texts.size(); from += EMBED_CALL) {
                    vectors.addAll(model.embed(texts.subList(from, Math.min(texts.size(), from + EMBED_CALL))));
                }
                int i = 0;
                for (Map.Entry<InProgress, Integer> e : slice.entrySet()) {
                    e.getKey().accept(vectors.subList(i, i + e.getValue()));
                    i += e.getValue();
                }
            } catch (EmbeddingException e) {
                if (!e.isTransient()) {
                    throw e;
                }
                // only the documents the model has to embed wait; those with their own vectors go on
                for (var it = working.values().iterator(); it.hasNext(); ) {
                    InProgress p = it.next();
                    if (!p.complete()) {
                        faulted.add(p.queued());
                        it.remove();
                    }
                }
                fault = e;
            }
        }
        int moved = slice.size() + faulted.size();
        List<InProgress> complete = new ArrayList<>();
        for (InProgress p : working.values()) {
            if (p.complete()) {
                complete.add(p);
                if (!slice.containsKey(p)) {
                    moved++;
                }
            }
        }
        // still in the working set while they are indexed: a fault there defers them, a bug fails them
        finish(complete, faulted, fault);
        working.values().removeAll(complete);
        return moved;
    }

    /** Indexes the documents whose chunks all have vectors, per dataset, and marks them ready. */
    private void finish(List<InProgress> complete, List<DocumentStore.Queued> faulted, Throwable fault)
            throws SQLException, IOException {
        Map<String, String> failures = new LinkedHashMap<>();
        Map<String, DocumentStore.Queued> byId = new LinkedHashMap<>();
        Map<String, List<InProgress>> byDataset = new LinkedHashMap<>();
        for (InProgress p : complete) {
            byId.put(p.document().id(), p.queued());
            byDataset
                    .computeIfAbsent(p.document().datasetId(), k -> new ArrayList<>())
                    .add(p);
        }
        Map<String, DatasetIndex> touched = new LinkedHashMap<>();
        for (Map.Entry<String, List<InProgress>> dataset : byDataset.entrySet()) {
            try {
                indexDataset(dataset.getKey(), dataset.getValue(), failures, touched);
            } catch (IOException | RuntimeException e) {
                if (!IngestFaults.isTransient(e)) {
                    throw e;
                }
                // this dataset's index is failing: its documents wait, the other datasets go on
                touched.remove(dataset.getKey());
                for (InProgress p : dataset.getValue()) {
                    faulted.add(p.queued());
                }
                fault = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        OffsetDateTime now = now();
        for (InProgress p : complete) {
            String id = p.document().id();
            DatasetIndex index = touched.get(p.document().datasetId());
            if (failures.containsKey(id) || index == null) {
                continue;
            }
            if (documents.finish(id, Document.Status.READY, p.chunks().size(), null, now)) {
                listener.processed(p.document(), p.chunks().size());
            } else {
                // deleted while it was being processed: take its chunks out again
                index.deleteDocument(id);
                index.commit();
            }
        }
        fail(failures, byId);
        if (!faulted.isEmpty()) {
            defer(faulted, fault);
        }
    }

    private void fail(Map<String, String> failures, Map<String, DocumentStore.Queued> byId) throws SQLException {
        OffsetDateTime now = now();
        for (Map.Entry<String, String> f : failures.entrySet()) {
            if (documents.finish(
                    f.getKey(), Document.Status.FAILED, 0, f.getValue(), DocumentStore.FailureKind.DOCUMENT, now)) {
                listener.failed(byId.get(f.getKey()).document(), f.getValue());
            }
        }
    }

    /** Indexes, commits and waits until searchable: "ready" means durable and found by a query. */
    private void indexDataset(
            String datasetId,
            List<InProgress> prepared,
            Map<String, String> failures,
            Map<String, DatasetIndex> touched)
            throws IOException, InterruptedException {
        DatasetIndex index;
        try {
            index = indexes.get(datasetId);
        } catch (UnknownDatasetException e) {
            prepared.forEach(p -> failures.put(p.document().id(), "the dataset no longer exists"));
            return;
        }
        long generation = -1;
        for (InProgress p : prepared) {
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

    /**
     * A document taken from the queue: its chunks, and the vectors it has so far (the client's own
     * from the start, or the model's, a slice per round). Touched by the worker thread only.
     */
    private static final class InProgress {
        private final DocumentStore.Queued queued;
        private final List<Chunk> chunks;
        private final List<float[]> vectors;

        InProgress(DocumentStore.Queued queued, List<Chunk> chunks, List<float[]> provided) {
            this.queued = queued;
            this.chunks = chunks;
            this.vectors = provided != null ? provided : new ArrayList<>(chunks.size());
        }

        DocumentStore.Queued queued() {
            return queued;
        }

        Document document() {
            return queued.document();
        }

        List<Chunk> chunks() {
            return chunks;
        }

        int embedded() {
            return vectors.size();
        }

        boolean complete() {
            return vectors.size() == chunks.size();
        }

        List<String> pendingTexts(int n) {
            List<String> texts = new ArrayList<>(n);
            for (Chunk c : chunks.subList(vectors.size(), vectors.size() + n)) {
                texts.add(c.text());
            }
            return texts;
        }

        void accept(List<float[]> next) {
            vectors.addAll(next);
        }

        List<ChunkRecord> records() {
            String id = document().id();
            String stem = id.substring(id.indexOf('_') + 1);
            List<ChunkRecord> records = new ArrayList<>(chunks.size());
            for (int n = 0; n < chunks.size(); n++) {
                Chunk c = chunks.get(n);
                records.add(new ChunkRecord(
                        "ch_" + stem + "_" + n,
                        id,
                        c.text(),
                        c.start(),
                        c.end(),
                        vectors.get(n),
                        document().metadata()));
            }
            return records;
        }
    }

    private InProgress prepare(DocumentStore.Queued q)
            throws KeyDestroyedException, DecryptionFailedException, IOException {
        Document d = q.document();
        byte[] original =
                SealedContent.open(keys.key("dataset:" + d.datasetId(), q.keyVersion()), d.id(), q.sealedContent());
        if (d.contentType().equals(ProvidedChunks.MEDIA_TYPE)) {
            ProvidedChunks.Decoded provided = ProvidedChunks.decode(original);
            return new InProgress(q, provided.chunks(), new ArrayList<>(provided.vectors()));
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
        return new InProgress(q, chunks, null);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(10_000);
    }
}
