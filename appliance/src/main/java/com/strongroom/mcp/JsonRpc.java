package com.strongroom.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON-RPC 2.0 messages as MCP uses them: one request, notification or response per HTTP body. */
public final class JsonRpc {
    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;

    /** As deep as the REST API takes (com.strongroom.api.Json): deeper bodies are a parse error. */
    static final ObjectMapper MAPPER = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                    .maxNestingDepth(com.strongroom.api.Json.MAX_NESTING_DEPTH)
                    .build())
            .build());

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonRpc() {}

    /**
     * One incoming message. A request has an {@code id} and a {@code method}; a notification has a
     * method but no id; a response (to a server request; this server sends none) has neither.
     */
    public record Message(JsonNode id, String method, JsonNode params) {
        public boolean isRequest() {
            return id != null && method != null;
        }

        public boolean isNotification() {
            return id == null && method != null;
        }
    }

    /** A message that cannot be handled; answered as a JSON-RPC error. */
    public static final class Failure extends Exception {
        private final int code;
        private final JsonNode id;

        public Failure(int code, String message, JsonNode id) {
            super(message);
            this.code = code;
            this.id = id;
        }

        public int code() {
            return code;
        }

        public JsonNode id() {
            return id;
        }
    }

    public static Message parse(byte[] body) throws Failure {
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new Failure(PARSE_ERROR, "Parse error: the body is not JSON.", null);
        }
        if (node == null || !node.isObject()) {
            throw new Failure(
                    INVALID_REQUEST,
                    "Invalid Request: send one JSON-RPC 2.0 object (batches are not supported).",
                    null);
        }
        JsonNode id = node.get("id");
        if (id != null && !(id.isTextual() || id.isIntegralNumber())) {
            throw new Failure(INVALID_REQUEST, "Invalid Request: id must be a string or an integer.", null);
        }
        if (!"2.0".equals(node.path("jsonrpc").asText(null))) {
            throw new Failure(INVALID_REQUEST, "Invalid Request: jsonrpc must be \"2.0\".", id);
        }
        JsonNode method = node.get("method");
        if (method != null && !method.isTextual()) {
            throw new Failure(INVALID_REQUEST, "Invalid Request: method must be a string.", id);
        }
        JsonNode params = node.get("params");
        if (params != null && !params.isObject() && !params.isNull()) {
            throw new Failure(INVALID_PARAMS, "Invalid params: params must be an object.", id);
        }
        if (method == null && !(node.has("result") || node.has("error"))) {
            throw new Failure(INVALID_REQUEST, "Invalid Request: no method.", id);
        }
        return new Message(id, method == null ? null : method.asText(), params == null ? NODES.objectNode() : params);
    }

    public static ObjectNode result(JsonNode id, JsonNode result) {
        ObjectNode response = NODES.objectNode();
        response.put("jsonrpc", "2.0");
        response.set("id", id);
        response.set("result", result);
        return response;
    }

    public static ObjectNode error(JsonNode id, int code, String message) {
        ObjectNode response = NODES.objectNode();
        response.put("jsonrpc", "2.0");
        response.set("id", id == null ? NODES.nullNode() : id);
        ObjectNode error = response.putObject("error");
        error.put("code", code);
        error.put("message", message);
        return response;
    }
}
