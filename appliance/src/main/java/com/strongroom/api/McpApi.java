package com.strongroom.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.strongroom.auth.Principal;
import com.strongroom.datasets.Dataset;
import com.strongroom.datasets.DatasetService;
import com.strongroom.mcp.JsonRpc;
import com.strongroom.mcp.McpServer;
import com.strongroom.search.DatasetSearch;
import com.strongroom.search.SearchResult;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * /v1/mcp: the MCP server over the streamable HTTP transport (one JSON-RPC message per POST,
 * answered with one JSON body; no server-initiated stream, so GET is 405), and /v1/mcp/query, the
 * hosted product's plain-JSON search shape.
 */
final class McpApi implements HttpService {
    static final HeaderName SESSION = HeaderNames.create("Mcp-Session-Id");
    static final HeaderName PROTOCOL_VERSION = HeaderNames.create("MCP-Protocol-Version");

    private final McpServer server;
    private final DatasetService datasets;
    private final DatasetSearch search;
    private final List<String> allowedOrigins;

    McpApi(McpServer server, DatasetService datasets, DatasetSearch search, List<String> allowedOrigins) {
        this.server = server;
        this.datasets = datasets;
        this.search = search;
        this.allowedOrigins = List.copyOf(allowedOrigins);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::message)
                .get("/", this::noStream)
                .delete("/", this::end)
                .post("/query", this::query);
    }

    /** The specification demands it against DNS rebinding: a browser page may not drive the server. */
    private void checkOrigin(ServerRequest req) {
        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        if (origin.isPresent() && !allowedOrigins.contains(origin.get())) {
            throw new ApiException(
                    Status.FORBIDDEN_403,
                    "origin_not_allowed",
                    "Requests from origin " + origin.get() + " are not allowed; see server.cors-origins.");
        }
    }

    private void message(ServerRequest req, ServerResponse res) throws SQLException, IOException {
        Principal caller = AccessControl.caller(req);
        checkOrigin(req);
        Optional<String> version = req.headers().first(PROTOCOL_VERSION);
        if (version.isPresent() && !McpServer.PROTOCOL_VERSIONS.contains(version.get())) {
            rpcError(
                    res,
                    Status.BAD_REQUEST_400,
                    null,
                    JsonRpc.INVALID_REQUEST,
                    "Unsupported MCP-Protocol-Version " + version.get() + "; supported: "
                            + McpServer.PROTOCOL_VERSIONS);
            return;
        }
        JsonRpc.Message message;
        try {
            message = JsonRpc.parse(RequestBody.bytes(req, RequestBody.MAX_JSON_BYTES));
        } catch (JsonRpc.Failure f) {
            rpcError(res, Status.BAD_REQUEST_400, f.id(), f.code(), f.getMessage());
            return;
        }
        if (message.isRequest() && message.method().equals("initialize")) {
            McpServer.Initialized init = server.initialize(caller, message);
            res.header(SESSION, init.session().id());
            Json.send(res, Status.OK_200, init.response());
            return;
        }
        Optional<String> sessionId = req.headers().first(SESSION);
        if (sessionId.isEmpty()) {
            rpcError(
                    res,
                    Status.BAD_REQUEST_400,
                    message.id(),
                    JsonRpc.INVALID_REQUEST,
                    "Invalid Request: send the Mcp-Session-Id header that initialize returned.");
            return;
        }
        if (server.sessions().find(sessionId.get(), caller.actorId()).isEmpty()) {
            // the specification's signal to start a new session with initialize
            rpcError(
                    res,
                    Status.NOT_FOUND_404,
                    message.id(),
                    JsonRpc.INVALID_REQUEST,
                    "No such session (ended, expired, or made with another credential); initialize again.");
            return;
        }
        Optional<ObjectNode> answer = server.handle(caller, message);
        if (answer.isEmpty()) {
            res.status(Status.ACCEPTED_202).send();
            return;
        }
        Json.send(res, Status.OK_200, answer.get());
    }

    private static void rpcError(
            ServerResponse res, Status status, com.fasterxml.jackson.databind.JsonNode id, int code, String message) {
        Json.send(res, status, JsonRpc.error(id, code, message));
    }

    private void noStream(ServerRequest req, ServerResponse res) {
        AccessControl.caller(req);
        res.header(HeaderNames.ALLOW, "POST, DELETE");
        Json.error(
                res,
                Status.METHOD_NOT_ALLOWED_405,
                "method_not_allowed",
                "This MCP server sends no server-initiated messages; POST JSON-RPC messages instead.",
                null);
    }

    private void end(ServerRequest req, ServerResponse res) {
        Principal caller = AccessControl.caller(req);
        checkOrigin(req);
        String sessionId = req.headers()
                .first(SESSION)
                .orElseThrow(() -> new ApiException(
                        Status.BAD_REQUEST_400,
                        "missing_session",
                        "Send the Mcp-Session-Id header of the session to end."));
        if (!server.sessions().close(sessionId, caller.actorId())) {
            throw ApiException.notFound("session_not_found", "No such MCP session.");
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    /** The hosted shape: {query, dataset_id, limit, filters} (also mode, top_k), answered as a dataset query. */
    private void query(ServerRequest req, ServerResponse res) throws SQLException, IOException {
        Principal caller = AccessControl.caller(req);
        Set<String> fields = new HashSet<>(QueryJson.FIELDS);
        fields.remove("vector");
        fields.add("dataset_id");
        RequestBody body = RequestBody.read(req, fields);
        String datasetId = body.string("dataset_id", 1, 100, true).orElse(null);
        if (!body.has("query")) {
            body.problem("query", "is required");
        }
        var request = QueryJson.request(body);
        Dataset dataset =
                datasets.find(caller.organizationId(), datasetId).orElseThrow(() -> DatasetsApi.notFound(datasetId));
        SearchResult result = search.search(dataset.id(), request);
        Json.send(res, Status.OK_200, QueryJson.results(result));
    }
}
