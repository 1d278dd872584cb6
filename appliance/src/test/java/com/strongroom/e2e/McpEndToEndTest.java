package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.auth.Role;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /v1/mcp driven by the official MCP Java SDK as a real client over TLS, the transport's edges
 * by raw HTTP, and the hosted-product shape /v1/mcp/query.
 */
class McpEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static LabAppliance lab;
    private static Https https;
    private static String key;
    private static String noMcpKey;
    private static String datasetId;
    private static String vacationDoc;

    @BeforeAll
    static void start() throws Exception {
        lab = LabAppliance.start(dir, "server:\n  cors-origins: [\"https://portal.example.com\"]\n");
        noMcpKey = lab.addApiKey(Role.DEVELOPER, Set.of("datasets:read", "datasets:write"));
        https = lab.https();
        key = lab.ownerKey();
        datasetId = JSON.readTree(
                        https.post("/v1/datasets", key, "{\"name\":\"Handbook\",\"description\":\"HR rules\"}")
                                .body())
                .get("id")
                .asText();
        vacationDoc = upload("Every full-time employee gets 28 days of paid vacation per calendar year.");
        upload("Laptops use full-disk encryption. Report a stolen laptop to the security desk within one hour.");
        upload("Meals while travelling are reimbursed up to 45 euros per day; hotels up to 150 euros a night.");
    }

    private static String upload(String content) throws Exception {
        HttpResponse<String> r = https.post(
                "/v1/datasets/" + datasetId + "/documents", key, JSON.writeValueAsString(Map.of("content", content)));
        assertEquals(202, r.statusCode(), r.body());
        String id = JSON.readTree(r.body()).get("id").asText();
        https.awaitDocumentReady(datasetId, id, key);
        return id;
    }

    @AfterAll
    static void stop() throws Exception {
        lab.close();
    }

    private static McpSyncClient client(String apiKey) {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(
                        "https://127.0.0.1:" + lab.httpsPort)
                .endpoint("/v1/mcp")
                .customizeClient(b -> b.sslContext(https.sslContext()))
                .customizeRequest(r -> r.header("Authorization", "Bearer " + apiKey))
                .build();
        return McpClient.sync(transport)
                .requestTimeout(Duration.ofSeconds(60))
                .clientInfo(new McpSchema.Implementation("strongroom-test", "1"))
                .build();
    }

    private static String text(McpSchema.CallToolResult result) {
        return result.content().stream()
                .map(c -> ((McpSchema.TextContent) c).text())
                .collect(Collectors.joining("\n"));
    }

    @Test
    void theOfficialSdk_listsTools_listsDatasets_andFindsThePassage() throws Exception {
        try (McpSyncClient client = client(key)) {
            McpSchema.InitializeResult init = client.initialize();
            assertEquals("strongroom", init.serverInfo().name());
            assertNotNull(init.capabilities().tools());

            List<McpSchema.Tool> tools = client.listTools().tools();
            assertEquals(
                    Set.of("list_datasets", "search_dataset"),
                    tools.stream().map(McpSchema.Tool::name).collect(Collectors.toSet()));
            McpSchema.Tool search = tools.stream()
                    .filter(t -> t.name().equals("search_dataset"))
                    .findFirst()
                    .orElseThrow();
            assertEquals(List.of("dataset_id", "query"), search.inputSchema().required());

            McpSchema.CallToolResult list = client.callTool(new McpSchema.CallToolRequest("list_datasets", Map.of()));
            assertFalse(list.isError());
            assertTrue(text(list).contains(datasetId) && text(list).contains("Handbook"), text(list));

            McpSchema.CallToolResult found = client.callTool(new McpSchema.CallToolRequest(
                    "search_dataset",
                    Map.of("dataset_id", datasetId, "query", "how many days of vacation do I get?", "limit", 2)));
            assertFalse(found.isError(), text(found));
            assertTrue(text(found).startsWith("[1] document " + vacationDoc), text(found));
            assertTrue(text(found).contains("28 days of paid vacation"), text(found));
            @SuppressWarnings("unchecked")
            Map<String, Object> structured = (Map<String, Object>) found.structuredContent();
            List<?> results = (List<?>) structured.get("results");
            assertEquals(2, results.size());
            assertEquals(vacationDoc, ((Map<?, ?>) results.get(0)).get("document_id"));

            McpSchema.CallToolResult missing = client.callTool(new McpSchema.CallToolRequest(
                    "search_dataset", Map.of("dataset_id", "ds_nosuchdataset", "query", "vacation")));
            assertTrue(missing.isError());
            assertTrue(text(missing).contains("list_datasets"), text(missing));

            McpSchema.CallToolResult invalid = client.callTool(new McpSchema.CallToolRequest(
                    "search_dataset", Map.of("dataset_id", datasetId, "query", "x", "limit", 500, "colour", "red")));
            assertTrue(invalid.isError());
            assertTrue(text(invalid).contains("limit") && text(invalid).contains("colour"), text(invalid));
        }
    }

    private static HttpResponse<String> rpc(String apiKey, String session, String body, String... headers)
            throws Exception {
        var builder = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("https://127.0.0.1:" + lab.httpsPort + "/v1/mcp"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        if (session != null) {
            builder.header("Mcp-Session-Id", session);
        }
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return https.client().send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final String INIT = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
            + "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";

    @Test
    void theTransportsEdges() throws Exception {
        assertEquals(401, rpc(null, null, INIT).statusCode());
        HttpResponse<String> scope = rpc(noMcpKey, null, INIT);
        assertEquals(403, scope.statusCode());
        assertEquals(
                "insufficient_scope", JSON.readTree(scope.body()).get("error").asText());
        assertEquals(403, rpc(key, null, INIT, "Origin", "https://evil.example").statusCode());
        assertEquals(
                200,
                rpc(key, null, INIT, "Origin", "https://portal.example.com").statusCode());

        HttpResponse<String> init = rpc(key, null, INIT);
        assertEquals(200, init.statusCode(), init.body());
        String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
        assertEquals(
                "2025-06-18",
                JSON.readTree(init.body()).at("/result/protocolVersion").asText());

        assertEquals(
                202,
                rpc(key, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")
                        .statusCode());
        JsonNode ping = JSON.readTree(rpc(key, session, "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}")
                .body());
        assertEquals("p", ping.get("id").asText());
        assertTrue(ping.get("result").isObject());

        HttpResponse<String> parse = rpc(key, session, "{not json");
        assertEquals(400, parse.statusCode());
        assertEquals(-32700, JSON.readTree(parse.body()).at("/error/code").asInt());
        HttpResponse<String> unknown =
                rpc(key, session, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/list\"}");
        assertEquals(200, unknown.statusCode());
        assertEquals(-32601, JSON.readTree(unknown.body()).at("/error/code").asInt());
        HttpResponse<String> badTool = rpc(
                key,
                session,
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"rm_rf\"}}");
        assertEquals(-32602, JSON.readTree(badTool.body()).at("/error/code").asInt());

        String list = "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\"}";
        assertEquals(400, rpc(key, null, list).statusCode(), "a session id is required after initialize");
        assertEquals(404, rpc(key, "mcp_nosuchsession", list).statusCode());
        String other = lab.ownerKey(); // same key: the session is found
        assertEquals(200, rpc(other, session, list).statusCode());
        assertEquals(
                400,
                rpc(key, session, list, "MCP-Protocol-Version", "1999-01-01").statusCode(),
                "an unsupported protocol version is refused");

        HttpResponse<String> get = https.get("/v1/mcp", key);
        assertEquals(405, get.statusCode());
        assertTrue(get.headers().firstValue("Allow").orElse("").contains("POST"));

        var end = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("https://127.0.0.1:" + lab.httpsPort + "/v1/mcp"))
                .header("Authorization", "Bearer " + key)
                .header("Mcp-Session-Id", session)
                .DELETE()
                .build();
        assertEquals(
                204,
                https.client().send(end, HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(404, rpc(key, session, list).statusCode(), "an ended session is gone");
    }

    @Test
    void theHostedShape_mcpQuery() throws Exception {
        HttpResponse<String> r = https.post(
                "/v1/mcp/query",
                key,
                "{\"query\":\"what if my laptop is stolen?\",\"dataset_id\":\"" + datasetId + "\",\"limit\":1}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals(1, body.get("results").size());
        assertTrue(body.at("/results/0/content").asText().contains("security desk"), body.toString());
        assertTrue(body.get("query_time_ms").isNumber());

        HttpResponse<String> unknownField = https.post(
                "/v1/mcp/query", key, "{\"query\":\"x\",\"dataset_id\":\"" + datasetId + "\",\"vector\":[1]}");
        assertEquals(422, unknownField.statusCode(), unknownField.body());
        assertEquals(
                "dataset_not_found",
                JSON.readTree(https.post("/v1/mcp/query", key, "{\"query\":\"x\",\"dataset_id\":\"ds_nope\"}")
                                .body())
                        .get("error")
                        .asText());
        assertEquals(
                403,
                https.post("/v1/mcp/query", noMcpKey, "{\"query\":\"x\",\"dataset_id\":\"" + datasetId + "\"}")
                        .statusCode());
    }
}
