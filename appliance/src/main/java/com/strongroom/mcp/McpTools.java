package com.strongroom.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.strongroom.api.ApiException;
import com.strongroom.api.QueryJson;
import com.strongroom.api.RequestBody;
import com.strongroom.auth.Principal;
import com.strongroom.datasets.Dataset;
import com.strongroom.datasets.DatasetService;
import com.strongroom.datasets.DatasetStore;
import com.strongroom.search.DatasetSearch;
import com.strongroom.search.InvalidSearchException;
import com.strongroom.search.SearchRequest;
import com.strongroom.search.SearchResult;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The tools an MCP client (an AI agent) may call: list the organization's datasets, and search
 * one. Arguments are validated like the REST API's bodies; a bad argument or a missing dataset is
 * a tool result with {@code isError}, which the model can read and correct, not a protocol error.
 */
public final class McpTools {
    static final String LIST_DATASETS = "list_datasets";
    static final String SEARCH_DATASET = "search_dataset";
    private static final int MAX_LIST = 100;

    private final DatasetService datasets;
    private final DatasetSearch search;

    public McpTools(DatasetService datasets, DatasetSearch search) {
        this.datasets = datasets;
        this.search = search;
    }

    /** The {@code tools/list} result. */
    ObjectNode list() {
        ObjectNode result = JsonRpc.MAPPER.createObjectNode();
        ArrayNode tools = result.putArray("tools");
        tools.add(
                tool(
                        LIST_DATASETS,
                        "List datasets",
                        "Lists the datasets of your organization that can be searched: id, name, description and"
                                + " how many chunks each holds. Call this first to find the dataset_id for search_dataset.",
                        """
                {"type":"object","additionalProperties":false,"properties":{
                  "limit":{"type":"integer","minimum":1,"maximum":100,"default":20,"description":"how many datasets"}}}
                """,
                        """
                {"type":"object","required":["datasets","total"],"properties":{
                  "total":{"type":"integer"},
                  "datasets":{"type":"array","items":{"type":"object","required":["id","name"],"properties":{
                    "id":{"type":"string"},"name":{"type":"string"},"description":{"type":["string","null"]},
                    "chunk_count":{"type":"integer"}}}}}}
                """));
        tools.add(
                tool(
                        SEARCH_DATASET,
                        "Search a dataset",
                        "Searches one dataset and returns the best-matching passages with their document ids and"
                                + " scores. Modes: hybrid (default; meaning and keywords), semantic (meaning), keyword (BM25)."
                                + " filters match document metadata, e.g. {\"team\":\"hr\"} or {\"year\":{\"gte\":2024}}.",
                        """
                {"type":"object","required":["dataset_id","query"],"additionalProperties":false,"properties":{
                  "dataset_id":{"type":"string","description":"ds_… from list_datasets"},
                  "query":{"type":"string","minLength":1,"maxLength":10000},
                  "limit":{"type":"integer","minimum":1,"maximum":50,"default":5},
                  "mode":{"type":"string","enum":["hybrid","semantic","keyword"],"default":"hybrid"},
                  "filters":{"type":"object","description":"metadata filters: equality, in, gt/gte/lt/lte"}}}
                """,
                        """
                {"type":"object","required":["results","mode","query_time_ms"],"properties":{
                  "results":{"type":"array","items":{"type":"object",
                    "required":["chunk_id","document_id","content","score"],"properties":{
                    "chunk_id":{"type":"string"},"document_id":{"type":"string"},"content":{"type":"string"},
                    "score":{"type":"number"},"metadata":{"type":"object"}}}},
                  "mode":{"type":"string"},"query_time_ms":{"type":"number"}}}
                """));
        return result;
    }

    private static ObjectNode tool(String name, String title, String description, String input, String output) {
        ObjectNode tool = JsonRpc.MAPPER.createObjectNode();
        tool.put("name", name);
        tool.put("title", title);
        tool.put("description", description);
        try {
            tool.set("inputSchema", JsonRpc.MAPPER.readTree(input));
            tool.set("outputSchema", JsonRpc.MAPPER.readTree(output));
        } catch (IOException e) {
            throw new IllegalStateException("tool schema of " + name + " is not JSON", e);
        }
        ObjectNode annotations = tool.putObject("annotations");
        annotations.put("readOnlyHint", true);
        annotations.put("openWorldHint", false);
        return tool;
    }

    /**
     * The {@code tools/call} result for {@code name}.
     *
     * @throws JsonRpc.Failure for a tool that does not exist (a protocol error, per the specification)
     */
    ObjectNode call(Principal caller, String name, JsonNode arguments, JsonNode id)
            throws JsonRpc.Failure, SQLException, IOException {
        byte[] raw = JsonRpc.MAPPER.writeValueAsBytes(
                arguments == null || arguments.isNull() ? JsonRpc.MAPPER.createObjectNode() : arguments);
        try {
            return switch (name) {
                case LIST_DATASETS -> listDatasets(caller, RequestBody.parse(raw, Set.of("limit")));
                case SEARCH_DATASET ->
                    searchDataset(
                            caller, RequestBody.parse(raw, Set.of("dataset_id", "query", "limit", "mode", "filters")));
                default -> throw new JsonRpc.Failure(JsonRpc.INVALID_PARAMS, "Unknown tool: " + name, id);
            };
        } catch (ApiException e) {
            return error(e.getMessage() + details(e.details()));
        } catch (InvalidSearchException e) {
            return error((e.field() == null ? "" : e.field() + ": ") + e.getMessage());
        }
    }

    private ObjectNode listDatasets(Principal caller, RequestBody args) throws SQLException, IOException {
        int limit = args.integer("limit", 1, MAX_LIST, 20);
        args.validate();
        DatasetStore.Page page = datasets.list(caller.organizationId(), DatasetStore.Sort.NAME_ASC, limit, 0);
        List<Map<String, Object>> items = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        text.append(page.total()).append(page.total() == 1 ? " dataset" : " datasets");
        if (page.total() > page.items().size()) {
            text.append(" (first ").append(page.items().size()).append(")");
        }
        text.append(page.items().isEmpty() ? "." : ":");
        for (Dataset d : page.items()) {
            int chunks = search.chunkCount(d.id());
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("id", d.id());
            item.put("name", d.name());
            item.put("description", d.description());
            item.put("chunk_count", chunks);
            items.add(item);
            text.append("\n- ")
                    .append(d.id())
                    .append(": ")
                    .append(d.name())
                    .append(" (")
                    .append(chunks)
                    .append(" chunks)");
            if (d.description() != null && !d.description().isBlank()) {
                text.append(" - ").append(d.description());
            }
        }
        Map<String, Object> structured = new LinkedHashMap<>();
        structured.put("datasets", items);
        structured.put("total", page.total());
        return success(text.toString(), structured);
    }

    private ObjectNode searchDataset(Principal caller, RequestBody args) throws SQLException, IOException {
        String datasetId = args.string("dataset_id", 1, 100, true).orElse(null);
        if (!args.has("query")) {
            args.problem("query", "is required");
        }
        SearchRequest request = QueryJson.request(args);
        Optional<Dataset> dataset = datasets.find(caller.organizationId(), datasetId);
        if (dataset.isEmpty()) {
            return error("No dataset " + datasetId + " in your organization; call list_datasets for the ids.");
        }
        SearchResult result = search.search(dataset.get().id(), request);
        Map<String, Object> structured = QueryJson.results(result);
        StringBuilder text = new StringBuilder();
        if (result.hits().isEmpty()) {
            text.append("No passages in ").append(dataset.get().name()).append(" match.");
        }
        for (int i = 0; i < result.hits().size(); i++) {
            var hit = result.hits().get(i);
            if (i > 0) {
                text.append("\n\n");
            }
            text.append('[')
                    .append(i + 1)
                    .append("] document ")
                    .append(hit.documentId())
                    .append(", chunk ")
                    .append(hit.chunkId())
                    .append(", score ")
                    .append(String.format(java.util.Locale.ROOT, "%.4f", hit.score()))
                    .append('\n')
                    .append(hit.content());
        }
        return success(text.toString(), structured);
    }

    private static String details(Object details) {
        if (!(details instanceof List<?> list) || list.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder(" Problems:");
        for (Object d : list) {
            if (d instanceof Map<?, ?> m) {
                s.append(' ')
                        .append(m.get("field"))
                        .append(": ")
                        .append(m.get("message"))
                        .append(';');
            }
        }
        return s.toString();
    }

    private static ObjectNode success(String text, Map<String, Object> structured) {
        ObjectNode result = JsonRpc.MAPPER.createObjectNode();
        result.putArray("content").addObject().put("type", "text").put("text", text);
        result.set("structuredContent", JsonRpc.MAPPER.valueToTree(structured));
        result.put("isError", false);
        return result;
    }

    private static ObjectNode error(String text) {
        ObjectNode result = JsonRpc.MAPPER.createObjectNode();
        result.putArray("content").addObject().put("type", "text").put("text", text);
        result.put("isError", true);
        return result;
    }
}
