package com.strongroom.api;

import com.strongroom.audit.AuditLog;
import com.strongroom.auth.Principal;
import com.strongroom.datasets.Dataset;
import com.strongroom.datasets.DatasetService;
import com.strongroom.datasets.DatasetStore;
import com.strongroom.search.DatasetSearch;
import com.strongroom.search.EmbeddingSpec;
import com.strongroom.search.SearchResult;
import com.strongroom.webhooks.Webhooks;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** /v1/datasets: create, list, get, update, soft delete, restore, and query. */
final class DatasetsApi implements HttpService {
    static final int METADATA_MAX_BYTES = 16 * 1024;

    private final DatasetService datasets;
    private final DatasetSearch search;
    private final AuditLog audit;
    private final IdempotencyKeys idempotency;
    private final Webhooks webhooks;

    DatasetsApi(
            DatasetService datasets,
            DatasetSearch search,
            AuditLog audit,
            IdempotencyKeys idempotency,
            Webhooks webhooks) {
        this.idempotency = idempotency;
        this.webhooks = webhooks;
        this.datasets = datasets;
        this.search = search;
        this.audit = audit;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create)
                .get("/", this::list)
                .get("/{id}", this::get)
                .patch("/{id}", this::update)
                .delete("/{id}", this::delete)
                .post("/{id}/restore", this::restore)
                .post("/{id}/query", this::query);
    }

    private void create(ServerRequest req, ServerResponse res) throws SQLException, IOException {
        Principal p = AccessControl.caller(req);
        byte[] raw = RequestBody.bytes(req, RequestBody.MAX_JSON_BYTES);
        IdempotencyKeys.Attempt attempt = idempotency.attempt(p.organizationId(), req, "/v1/datasets", raw);
        if (attempt.replayed(res)) {
            return;
        }
        RequestBody body = RequestBody.parse(
                raw, Set.of("name", "description", "metadata", "embedding_model", "embedding_dimensions"));
        String name = body.string("name", 1, 200, true).orElse(null);
        String description = body.string("description", 0, 1000, false).orElse(null);
        Map<String, Object> metadata = body.object("metadata", METADATA_MAX_BYTES);
        EmbeddingSpec spec = search.defaultSpec();
        String model = body.string("embedding_model", 1, 200, false).orElse(null);
        if (model != null && !model.equals(spec.model())) {
            // a dataset for the client's own vectors: the dimension must be stated
            int dims = body.integer("embedding_dimensions", 1, EmbeddingSpec.MAX_DIMENSIONS, -1);
            if (dims < 0) {
                body.problem("embedding_dimensions", "is required with an embedding_model other than " + spec.model());
            } else {
                spec = new EmbeddingSpec(model, dims);
            }
        } else if (body.has("embedding_dimensions")
                && body.integer("embedding_dimensions", 1, EmbeddingSpec.MAX_DIMENSIONS, -1) != spec.dimensions()) {
            body.problem("embedding_dimensions", spec.model() + " produces " + spec.dimensions() + " dimensions");
        }
        body.validate();
        Dataset d =
                datasets.create(p.organizationId(), new DatasetService.NewDataset(name, description, metadata, spec));
        audit(req, res, p, "dataset.created", d.id());
        webhooks.publish(p.organizationId(), "dataset.created", Map.of("dataset_id", d.id(), "name", d.name()));
        String answer = Json.write(DatasetJson.of(d));
        attempt.remember(201, answer);
        Json.sendText(res, Status.CREATED_201, answer);
    }

    private void list(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        Paging paging = Paging.of(req);
        DatasetStore.Sort sort = sort(req);
        boolean deleted =
                switch (req.query().first("deleted").orElse("false")) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw invalidParam("deleted", "must be true or false");
                };
        DatasetStore.Page page = deleted
                ? datasets.listDeleted(p.organizationId(), sort, paging.limit(), paging.offset())
                : datasets.list(p.organizationId(), sort, paging.limit(), paging.offset());
        List<Map<String, Object>> items =
                page.items().stream().map(DatasetJson::of).toList();
        Json.send(res, Status.OK_200, DatasetJson.page(items, page.total(), paging.limit(), paging.offset()));
    }

    private static DatasetStore.Sort sort(ServerRequest req) {
        String sort = req.query().first("sort").orElse("created_at");
        String order = req.query().first("order").orElse(sort.equals("name") ? "asc" : "desc");
        boolean asc =
                switch (order) {
                    case "asc" -> true;
                    case "desc" -> false;
                    default -> throw invalidParam("order", "must be asc or desc");
                };
        return switch (sort) {
            case "created_at" -> asc ? DatasetStore.Sort.CREATED_AT_ASC : DatasetStore.Sort.CREATED_AT_DESC;
            case "name" -> asc ? DatasetStore.Sort.NAME_ASC : DatasetStore.Sort.NAME_DESC;
            default -> throw invalidParam("sort", "must be created_at or name");
        };
    }

    private static ApiException invalidParam(String field, String message) {
        return new ApiException(
                Status.UNPROCESSABLE_CONTENT_422,
                "validation_error",
                field + " " + message + ".",
                List.of(Map.of("field", field, "message", message)));
    }

    private Dataset existing(Principal p, ServerRequest req) throws SQLException {
        String id = req.path().pathParameters().get("id");
        return datasets.find(p.organizationId(), id).orElseThrow(() -> notFound(id));
    }

    static ApiException notFound(String id) {
        return ApiException.notFound("dataset_not_found", "No dataset " + id + " in this organization.");
    }

    private void get(ServerRequest req, ServerResponse res) throws SQLException, IOException {
        Principal p = AccessControl.caller(req);
        Dataset d = existing(p, req);
        Map<String, Object> body = DatasetJson.of(d);
        body.put("chunk_count", search.chunkCount(d.id()));
        Json.send(res, Status.OK_200, body);
    }

    private void update(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        String id = req.path().pathParameters().get("id");
        RequestBody body = RequestBody.read(req, Set.of("name", "description", "metadata"));
        String name = body.string("name", 1, 200, false).orElse(null);
        String description = body.string("description", 0, 1000, false).orElse(null);
        Map<String, Object> metadata = body.has("metadata") ? body.object("metadata", METADATA_MAX_BYTES) : null;
        body.validate();
        Dataset d = datasets.update(p.organizationId(), id, name, description, metadata)
                .orElseThrow(() -> notFound(id));
        audit(req, res, p, "dataset.updated", d.id());
        webhooks.publish(p.organizationId(), "dataset.updated", Map.of("dataset_id", d.id(), "name", d.name()));
        Json.send(res, Status.OK_200, DatasetJson.of(d));
    }

    private void delete(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        String id = req.path().pathParameters().get("id");
        Dataset d = datasets.delete(p.organizationId(), id).orElseThrow(() -> notFound(id));
        audit(req, res, p, "dataset.deleted", d.id());
        webhooks.publish(
                p.organizationId(),
                "dataset.deleted",
                Map.of(
                        "dataset_id",
                        d.id(),
                        "purge_after",
                        d.purgeAfter().toInstant().toString()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", d.id());
        body.put("deleted", true);
        body.put("deleted_at", d.deletedAt().toInstant().toString());
        body.put("purge_after", d.purgeAfter().toInstant().toString());
        Json.send(res, Status.OK_200, body);
    }

    private void restore(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        String id = req.path().pathParameters().get("id");
        Dataset d = datasets.restore(p.organizationId(), id)
                .orElseThrow(() -> ApiException.notFound(
                        "dataset_not_found", "No deleted dataset " + id + " within its restore window."));
        audit(req, res, p, "dataset.restored", d.id());
        Json.send(res, Status.OK_200, DatasetJson.of(d));
    }

    private void query(ServerRequest req, ServerResponse res) throws SQLException, IOException {
        Principal p = AccessControl.caller(req);
        Dataset d = existing(p, req);
        RequestBody body = RequestBody.read(req, QueryJson.FIELDS);
        SearchResult result = search.search(d.id(), QueryJson.request(body));
        Json.send(res, Status.OK_200, QueryJson.results(result));
    }

    private void audit(ServerRequest req, ServerResponse res, Principal p, String action, String target) {
        audit.record(RequestAudit.success(req, res, p, action, target, null));
    }
}
