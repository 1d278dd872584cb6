package com.strongroom.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.strongroom.audit.AuditLog;
import com.strongroom.auth.Principal;
import com.strongroom.webhooks.Delivery;
import com.strongroom.webhooks.Webhook;
import com.strongroom.webhooks.Webhooks;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** /v1/webhooks: create (secret shown once), list, get with its delivery log, delete. */
final class WebhooksApi implements HttpService {
    private final Webhooks webhooks;
    private final AuditLog audit;
    private final boolean allowLoopbackHttp;

    WebhooksApi(Webhooks webhooks, AuditLog audit, boolean allowLoopbackHttp) {
        this.webhooks = webhooks;
        this.audit = audit;
        this.allowLoopbackHttp = allowLoopbackHttp;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create)
                .get("/", this::list)
                .get("/{id}", this::get)
                .delete("/{id}", this::delete);
    }

    private void create(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        RequestBody body = RequestBody.read(req, Set.of("url", "events", "description"));
        String url = body.string("url", 1, 2000, true).orElse(null);
        if (url != null) {
            String problem = urlProblem(url);
            if (problem != null) {
                body.problem("url", problem);
            }
        }
        List<String> events = events(body, body.raw("events"));
        String description = body.string("description", 0, 500, false).orElse(null);
        body.validate();
        Webhooks.Created created = webhooks.create(p.organizationId(), url, events, description);
        record(req, res, p, "webhook.created", created.webhook().id());
        Map<String, Object> answer = json(created.webhook());
        answer.put("secret", created.secret());
        Json.send(res, Status.CREATED_201, answer);
    }

    private static List<String> events(RequestBody body, JsonNode node) {
        List<String> events = new ArrayList<>();
        if (node == null || !node.isArray() || node.isEmpty()) {
            body.problem("events", "must be a non-empty array of: " + String.join(", ", Webhook.EVENTS));
            return events;
        }
        for (JsonNode e : node) {
            if (!e.isTextual() || !Webhook.EVENTS.contains(e.asText())) {
                body.problem("events", "'" + e.asText() + "' is not one of: " + String.join(", ", Webhook.EVENTS));
            } else if (!events.contains(e.asText())) {
                events.add(e.asText());
            }
        }
        return events;
    }

    /**
     * HTTPS only; plain HTTP to a loopback address only where configuration allows it (tests).
     * A literal address that deliveries would refuse is refused here already; a name is judged
     * at each delivery, on the addresses it resolves to then.
     */
    private String urlProblem(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "is not a URL";
        }
        if (uri.getHost() == null || uri.getUserInfo() != null) {
            return "must be an absolute URL with a host and no credentials";
        }
        if (uri.getPort() > 65535) {
            return "has a port outside 1..65535";
        }
        String refusal = literalRefusal(uri);
        if (refusal != null) {
            return "is refused: " + refusal.substring("destination refused: ".length());
        }
        if ("https".equalsIgnoreCase(uri.getScheme())) {
            return null;
        }
        if ("http".equalsIgnoreCase(uri.getScheme()) && allowLoopbackHttp && isLoopback(uri.getHost())) {
            return null;
        }
        return "must use https";
    }

    private String literalRefusal(URI uri) {
        String host = uri.getHost();
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        InetAddress literal;
        try {
            literal = InetAddress.ofLiteral(bare);
        } catch (IllegalArgumentException notALiteral) {
            return null;
        }
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return webhooks.destinations().refusal(literal, port);
    }

    private static boolean isLoopback(String host) {
        try {
            return host.equals("localhost") || InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private void list(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        List<Map<String, Object>> items = webhooks.list(p.organizationId()).stream()
                .map(WebhooksApi::json)
                .toList();
        Json.send(res, Status.OK_200, DatasetJson.page(items, items.size(), Math.max(items.size(), 1), 0));
    }

    private Webhook existing(Principal p, ServerRequest req) throws SQLException {
        String id = req.path().pathParameters().get("id");
        return webhooks.find(p.organizationId(), id)
                .orElseThrow(() ->
                        ApiException.notFound("webhook_not_found", "No webhook " + id + " in this organization."));
    }

    private void get(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        Webhook w = existing(p, req);
        Map<String, Object> body = json(w);
        body.put(
                "deliveries",
                webhooks.deliveries(w.id(), 50).stream().map(WebhooksApi::json).toList());
        Json.send(res, Status.OK_200, body);
    }

    private void delete(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        Webhook w = existing(p, req);
        webhooks.delete(p.organizationId(), w.id());
        record(req, res, p, "webhook.deleted", w.id());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", w.id());
        body.put("deleted", true);
        Json.send(res, Status.OK_200, body);
    }

    static Map<String, Object> json(Webhook w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", w.id());
        m.put("object", "webhook");
        m.put("url", w.url());
        m.put("events", w.events());
        m.put("description", w.description());
        m.put("enabled", w.enabled());
        m.put("disabled_reason", w.disabledReason());
        m.put("consecutive_failures", w.consecutiveFailures());
        m.put("created_at", w.createdAt().toInstant().toString());
        return m;
    }

    static Map<String, Object> json(Delivery d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id());
        m.put("event", d.event());
        m.put("status", d.status().toLowerCase(java.util.Locale.ROOT));
        m.put("attempts", d.attempts());
        m.put("last_status_code", d.lastStatusCode());
        m.put("last_error", d.lastError());
        m.put("created_at", d.createdAt().toInstant().toString());
        m.put(
                "next_attempt_at",
                d.nextAttemptAt() == null ? null : d.nextAttemptAt().toInstant().toString());
        m.put(
                "delivered_at",
                d.deliveredAt() == null ? null : d.deliveredAt().toInstant().toString());
        return m;
    }

    private void record(ServerRequest req, ServerResponse res, Principal p, String action, String target) {
        audit.record(RequestAudit.success(req, res, p, action, target, null));
    }
}
