package com.strongroom.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.strongroom.auth.Principal;
import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The MCP server side of one message: lifecycle ({@code initialize}, {@code ping}) and tools.
 * Transport concerns (HTTP status, headers, sessions on the wire) belong to the HTTP endpoint.
 */
public final class McpServer {
    /** Newest first; a client asking for one of these gets it, any other gets the first. */
    public static final List<String> PROTOCOL_VERSIONS = List.of("2025-11-25", "2025-06-18", "2025-03-26");

    static final String NAME = "strongroom";
    static final String VERSION = "0.1.0";

    private final McpTools tools;
    private final McpSessions sessions;

    public McpServer(McpTools tools, McpSessions sessions) {
        this.tools = tools;
        this.sessions = sessions;
    }

    public McpSessions sessions() {
        return sessions;
    }

    /** What answering {@code initialize} produced: the response and the session it opened. */
    public record Initialized(ObjectNode response, McpSessions.Session session) {}

    public Initialized initialize(Principal caller, JsonRpc.Message message) {
        String requested = message.params().path("protocolVersion").asText("");
        String version = PROTOCOL_VERSIONS.contains(requested) ? requested : PROTOCOL_VERSIONS.getFirst();
        McpSessions.Session session = sessions.open(caller.actorId(), version);
        ObjectNode result = JsonRpc.MAPPER.createObjectNode();
        result.put("protocolVersion", version);
        result.putObject("capabilities").putObject("tools").put("listChanged", false);
        ObjectNode server = result.putObject("serverInfo");
        server.put("name", NAME);
        server.put("title", "Strongroom");
        server.put("version", VERSION);
        result.put(
                "instructions",
                "Searches the documents of your organization held in this Strongroom appliance. Call list_datasets"
                        + " to find a dataset, then search_dataset with a question or keywords; cite document ids.");
        return new Initialized(JsonRpc.result(message.id(), result), session);
    }

    /**
     * Answers a request within {@code session}; empty for notifications and responses, which get
     * no answer. Errors come back as JSON-RPC error responses.
     */
    public Optional<ObjectNode> handle(Principal caller, JsonRpc.Message message) throws SQLException, IOException {
        if (!message.isRequest()) {
            return Optional.empty();
        }
        try {
            JsonNode result =
                    switch (message.method()) {
                        case "ping" -> JsonRpc.MAPPER.createObjectNode();
                        case "tools/list" -> tools.list();
                        case "tools/call" -> {
                            JsonNode name = message.params().get("name");
                            if (name == null || !name.isTextual()) {
                                throw new JsonRpc.Failure(
                                        JsonRpc.INVALID_PARAMS, "Invalid params: name is required.", message.id());
                            }
                            yield tools.call(
                                    caller, name.asText(), message.params().get("arguments"), message.id());
                        }
                        case "initialize" ->
                            throw new JsonRpc.Failure(
                                    JsonRpc.INVALID_REQUEST,
                                    "Invalid Request: this session is already initialized.",
                                    message.id());
                        default ->
                            throw new JsonRpc.Failure(
                                    JsonRpc.METHOD_NOT_FOUND, "Method not found: " + message.method(), message.id());
                    };
            return Optional.of(JsonRpc.result(message.id(), result));
        } catch (JsonRpc.Failure f) {
            return Optional.of(JsonRpc.error(message.id(), f.code(), f.getMessage()));
        }
    }
}
