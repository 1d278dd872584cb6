package com.strongroom.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * openapi.json describes exactly the routes the code registers: every (method, path) that
 * ApiRoutes mounts and the services declare is documented, and nothing else is.
 */
class OpenApiTest {
    private static final Path API_SOURCES = Path.of("src/main/java/com/strongroom/api");
    /** {@code .register("/prefix", new A(...), new B(...))} up to the next register or error handler. */
    private static final Pattern MOUNT = Pattern.compile(
            "\\.register\\(\\s*\"([^\"]+)\"(.*?)\\)\\s*\\n\\s*(?=\\.(?:register|error))", Pattern.DOTALL);

    private static final Pattern SERVICE = Pattern.compile("new (\\w+)\\(");
    private static final Pattern ROUTE = Pattern.compile("\\.(get|post|put|patch|delete)\\(\\s*\"(/[^\"]*)\"");

    /** "METHOD /path" for every route the code registers. */
    static TreeSet<String> registered() throws Exception {
        String apiRoutes = Files.readString(API_SOURCES.resolve("ApiRoutes.java"));
        TreeSet<String> routes = new TreeSet<>();
        Matcher mount = MOUNT.matcher(apiRoutes);
        while (mount.find()) {
            String prefix = mount.group(1);
            Matcher service = SERVICE.matcher(mount.group(2));
            while (service.find()) {
                Path file = API_SOURCES.resolve(service.group(1) + ".java");
                if (!Files.exists(file)) {
                    continue; // a collaborator passed to a service (e.g. new McpServer(...)), not a service
                }
                String source = Files.readString(file);
                if (!source.contains("implements HttpService")) {
                    continue;
                }
                String routing = source.substring(source.indexOf("public void routing(HttpRules rules)"));
                routing = routing.substring(0, routing.indexOf("\n    }"));
                Matcher route = ROUTE.matcher(routing);
                while (route.find()) {
                    String path = route.group(2).equals("/") ? prefix : prefix + route.group(2);
                    routes.add(route.group(1).toUpperCase() + " " + path);
                }
            }
        }
        return routes;
    }

    static TreeSet<String> documented() throws Exception {
        JsonNode spec;
        try (InputStream in = OpenApiTest.class.getResourceAsStream("/api/openapi.json")) {
            spec = new ObjectMapper().readTree(in);
        }
        TreeSet<String> routes = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = spec.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<String> methods = path.getValue().fieldNames(); methods.hasNext(); ) {
                routes.add(methods.next().toUpperCase() + " " + path.getKey().replace("{doc_id}", "{doc_id}"));
            }
        }
        return routes;
    }

    @Test
    void theDocumentMatchesTheRoutes() throws Exception {
        TreeSet<String> registered = registered();
        assertTrue(registered.size() >= 15, "the scan found the routes: " + registered);
        assertEquals(registered, documented());
    }

    @Test
    void everyOperationHasResponses_andEveryReferenceResolves() throws Exception {
        JsonNode spec;
        try (InputStream in = OpenApiTest.class.getResourceAsStream("/api/openapi.json")) {
            spec = new ObjectMapper().readTree(in);
        }
        assertEquals("3.1.0", spec.get("openapi").asText());
        String text = spec.toString();
        Matcher ref = Pattern.compile("#/components/schemas/(\\w+)").matcher(text);
        while (ref.find()) {
            assertTrue(spec.get("components").get("schemas").has(ref.group(1)), "dangling $ref " + ref.group(1));
        }
        spec.get("paths").forEach(path -> path.forEach(op -> assertTrue(op.has("responses"))));
    }
}
