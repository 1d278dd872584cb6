package com.strongroom.api;

import com.strongroom.audit.AuditLog;
import com.strongroom.auth.Principal;
import com.strongroom.datasets.Dataset;
import com.strongroom.datasets.DatasetService;
import com.strongroom.documents.Document;
import com.strongroom.documents.DocumentService;
import com.strongroom.documents.DocumentStore;
import com.strongroom.ingest.DocumentRejectedException;
import com.strongroom.ingest.ProvidedChunks;
import com.strongroom.ingest.TextExtractor;
import com.strongroom.webhooks.Webhooks;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** /v1/datasets/{id}/documents: upload (JSON or multipart), list, get, delete. */
final class DocumentsApi implements HttpService {
    private final DatasetService datasets;
    private final DocumentService documents;
    private final AuditLog audit;
    private final long maxBytes;
    private final String builtinModel;
    private final Webhooks webhooks;
    static final int MAX_PROVIDED_CHUNKS = 10_000;
    private final IdempotencyKeys idempotency;
    private final UploadBudget uploadBudget;

    DocumentsApi(
            DatasetService datasets,
            DocumentService documents,
            AuditLog audit,
            IdempotencyKeys idempotency,
            long maxBytes,
            UploadBudget uploadBudget,
            String builtinModel,
            Webhooks webhooks) {
        this.builtinModel = builtinModel;
        this.webhooks = webhooks;
        this.idempotency = idempotency;
        this.datasets = datasets;
        this.documents = documents;
        this.audit = audit;
        this.maxBytes = maxBytes;
        this.uploadBudget = uploadBudget;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/{id}/documents", this::upload)
                .get("/{id}/documents", this::list)
                .get("/{id}/documents/{doc_id}", this::get)
                .post("/{id}/documents/{doc_id}/retry", this::retry)
                .delete("/{id}/documents/{doc_id}", this::delete);
    }

    private Dataset dataset(Principal p, ServerRequest req) throws SQLException {
        String id = req.path().pathParameters().get("id");
        return datasets.find(p.organizationId(), id).orElseThrow(() -> DatasetsApi.notFound(id));
    }

    private void upload(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        Dataset dataset = dataset(p, req);
        String contentType = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
        boolean multipart = MultipartForm.isMultipart(contentType);
        // JSON escapes can double the size of a text; multipart adds framing and metadata
        long cap = multipart ? maxBytes + 64 * 1024 : 2 * maxBytes + 64 * 1024;
        // What this body may hold in memory, reserved before a byte is read: its declared length,
        // or the cap when it has none (chunked).
        long declared = req.headers().contentLength().orElse(cap);
        try (UploadBudget.Reservation ignored = uploadBudget.reserve(Math.min(Math.max(declared, 0), cap))) {
            if (ignored == null) {
                res.header(HeaderNames.RETRY_AFTER, Long.toString(UploadBudget.RETRY_AFTER_SECONDS));
                throw new ApiException(
                        Status.SERVICE_UNAVAILABLE_503,
                        "uploads_busy",
                        "The appliance is receiving as many uploads as it can hold; retry after "
                                + UploadBudget.RETRY_AFTER_SECONDS + " seconds.");
            }
            upload(req, res, p, dataset, contentType, multipart, cap);
        }
    }

    private void upload(
            ServerRequest req,
            ServerResponse res,
            Principal p,
            Dataset dataset,
            String contentType,
            boolean multipart,
            long cap)
            throws SQLException {
        byte[] raw;
        try {
            raw = RequestBody.bytes(req, cap);
        } catch (ApiException e) {
            throw e.status() == Status.REQUEST_ENTITY_TOO_LARGE_413 ? tooLarge() : e;
        }
        IdempotencyKeys.Attempt attempt =
                idempotency.attempt(p.organizationId(), req, "/v1/datasets/" + dataset.id() + "/documents", raw);
        if (attempt.replayed(res)) {
            return;
        }
        DocumentService.Upload upload = multipart ? multipart(raw, contentType) : json(raw, dataset);
        if (upload.content().length > maxBytes) {
            throw tooLarge();
        }
        String mediaType = ProvidedChunks.MEDIA_TYPE;
        if (!ProvidedChunks.MEDIA_TYPE.equals(upload.contentType())) {
            try {
                mediaType = TextExtractor.detect(upload.content(), upload.filename(), upload.contentType())
                        .mediaType();
            } catch (DocumentRejectedException e) {
                throw new ApiException(Status.create(e.status()), e.code(), e.getMessage());
            }
        }
        DocumentService.Upload typed =
                new DocumentService.Upload(upload.filename(), mediaType, upload.content(), upload.metadata());
        Document d = documents.submit(p.organizationId(), dataset.id(), typed);
        audit.record(RequestAudit.success(
                req, res, p, "document.uploaded", d.id(), "dataset " + dataset.id() + ", " + d.sizeBytes() + " bytes"));
        webhooks.publish(
                p.organizationId(),
                "document.uploaded",
                Map.of("document_id", d.id(), "dataset_id", dataset.id(), "size_bytes", d.sizeBytes()));
        String answer = Json.write(json(d));
        attempt.remember(202, answer);
        Json.sendText(res, Status.ACCEPTED_202, answer);
    }

    private ApiException tooLarge() {
        return new ApiException(
                Status.REQUEST_ENTITY_TOO_LARGE_413,
                "file_too_large",
                "Documents may be at most " + maxBytes / (1024 * 1024) + " MiB.");
    }

    private DocumentService.Upload json(byte[] raw, Dataset dataset) {
        RequestBody body = RequestBody.parse(raw, Set.of("content", "metadata", "filename", "chunks"));
        String filename = body.string("filename", 1, 255, false).orElse(null);
        Map<String, Object> metadata = body.object("metadata", DatasetsApi.METADATA_MAX_BYTES);
        if (body.has("chunks")) {
            if (body.has("content")) {
                body.problem("content", "send either content or chunks, not both");
            }
            List<ProvidedChunks.Item> chunks =
                    body.chunks("chunks", MAX_PROVIDED_CHUNKS, dataset.embeddingDimensions());
            body.validate();
            return new DocumentService.Upload(
                    filename, ProvidedChunks.MEDIA_TYPE, ProvidedChunks.encode(chunks), metadata);
        }
        String content = body.string("content", 1, Integer.MAX_VALUE, true).orElse("");
        if (!dataset.embeddingModel().equals(builtinModel)) {
            body.problem(
                    "chunks",
                    "this dataset holds vectors from model '" + dataset.embeddingModel()
                            + "'; send chunks with their vectors instead of content");
        }
        body.validate();
        return new DocumentService.Upload(filename, "text/plain", content.getBytes(StandardCharsets.UTF_8), metadata);
    }

    private DocumentService.Upload multipart(byte[] raw, String contentType) {
        MultipartForm form = MultipartForm.read(new java.io.ByteArrayInputStream(raw), contentType, maxBytes, 8);
        MultipartForm.Part file = form.part("file");
        if (file == null || file.content().length == 0) {
            throw new ApiException(
                    Status.UNPROCESSABLE_CONTENT_422,
                    "validation_error",
                    "The upload needs a non-empty 'file' part.",
                    List.of(Map.of("field", "file", "message", "is required")));
        }
        Map<String, Object> metadata = Map.of();
        MultipartForm.Part meta = form.part("metadata");
        if (meta != null && meta.content().length > 0) {
            RequestBody body = RequestBody.parse(
                    ("{\"metadata\":" + new String(meta.content(), StandardCharsets.UTF_8) + "}")
                            .getBytes(StandardCharsets.UTF_8),
                    Set.of("metadata"));
            metadata = body.object("metadata", DatasetsApi.METADATA_MAX_BYTES);
            body.validate();
        }
        String filename = file.filename() == null ? null : Path.fileName(file.filename());
        // only the JSON form may carry the client's own vectors
        String type = ProvidedChunks.MEDIA_TYPE.equals(file.contentType()) ? null : file.contentType();
        return new DocumentService.Upload(filename, type, file.content(), metadata);
    }

    private void list(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        Dataset dataset = dataset(p, req);
        Paging paging = Paging.of(req);
        DocumentStore.Page page = documents.list(p.organizationId(), dataset.id(), paging.limit(), paging.offset());
        Json.send(
                res,
                Status.OK_200,
                DatasetJson.page(
                        page.items().stream().map(DocumentsApi::json).toList(),
                        page.total(),
                        paging.limit(),
                        paging.offset()));
    }

    private Document existing(Principal p, Dataset dataset, ServerRequest req) throws SQLException {
        String docId = req.path().pathParameters().get("doc_id");
        return documents
                .find(p.organizationId(), dataset.id(), docId)
                .orElseThrow(() -> ApiException.notFound(
                        "document_not_found", "No document " + docId + " in dataset " + dataset.id() + "."));
    }

    private void get(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        Json.send(res, Status.OK_200, json(existing(p, dataset(p, req), req)));
    }

    /** Re-queues a document a fault failed; 409 for one that is ready, processing or was refused. */
    private void retry(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        Dataset dataset = dataset(p, req);
        Document d = existing(p, dataset, req);
        switch (documents.retry(p.organizationId(), dataset.id(), d.id())) {
            case REQUEUED -> {
                audit.record(RequestAudit.success(req, res, p, "document.retried", d.id(), "dataset " + dataset.id()));
                Json.send(
                        res,
                        Status.ACCEPTED_202,
                        json(documents
                                .find(p.organizationId(), dataset.id(), d.id())
                                .orElseThrow(() -> ApiException.notFound(
                                        "document_not_found",
                                        "No document " + d.id() + " in dataset " + dataset.id() + "."))));
            }
            case NOT_FOUND ->
                throw ApiException.notFound(
                        "document_not_found", "No document " + d.id() + " in dataset " + dataset.id() + ".");
            case FAILED_BY_DOCUMENT ->
                throw new ApiException(
                        Status.CONFLICT_409,
                        "document_not_retryable",
                        "Document " + d.id() + " failed because of its content, not a fault; retrying gives the"
                                + " same result: upload a corrected document instead.");
            case NOT_FAILED ->
                throw new ApiException(
                        Status.CONFLICT_409,
                        "document_not_retryable",
                        "Document " + d.id() + " is " + d.status().name().toLowerCase(java.util.Locale.ROOT)
                                + "; only a document that a fault failed can be retried.");
        }
    }

    private void delete(ServerRequest req, ServerResponse res) throws SQLException, IOException {
        Principal p = AccessControl.caller(req);
        Dataset dataset = dataset(p, req);
        Document d = existing(p, dataset, req);
        documents.delete(p.organizationId(), dataset.id(), d.id());
        audit.record(RequestAudit.success(req, res, p, "document.deleted", d.id(), "dataset " + dataset.id()));
        webhooks.publish(
                p.organizationId(), "document.deleted", Map.of("document_id", d.id(), "dataset_id", dataset.id()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", d.id());
        body.put("deleted", true);
        Json.send(res, Status.OK_200, body);
    }

    static Map<String, Object> json(Document d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id());
        m.put("object", "document");
        m.put("dataset_id", d.datasetId());
        m.put("filename", d.filename());
        m.put("content_type", d.contentType());
        m.put("size_bytes", d.sizeBytes());
        m.put("status", d.status().wireName());
        m.put("chunks_created", d.chunksCreated());
        m.put("failure_reason", d.failureReason());
        m.put("metadata", d.metadata());
        m.put("created_at", d.createdAt().toInstant().toString());
        m.put("updated_at", d.updatedAt().toInstant().toString());
        return m;
    }

    /** The last path segment of a client-supplied file name (browsers may send a full path). */
    private static final class Path {
        static String fileName(String raw) {
            String name = raw.substring(Math.max(raw.lastIndexOf('/'), raw.lastIndexOf('\\')) + 1)
                    .strip();
            return name.isEmpty() ? null : name.substring(0, Math.min(255, name.length()));
        }
    }
}
