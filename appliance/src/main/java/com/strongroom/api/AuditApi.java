package com.strongroom.api;

import com.strongroom.audit.AuditEvent;
import com.strongroom.audit.AuditLog;
import com.strongroom.audit.AuditRecord;
import com.strongroom.audit.AuditSearch;
import com.strongroom.auth.Principal;
import com.strongroom.auth.Role;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * /v1/audit: the organization's audit trail (and, for the operator only, the appliance's own
 * entries, which belong to no organization and may name any), newest first, filtered
 * by actor, action (exact or a prefix ending in ".") and time; {@code format=jsonl} downloads every
 * matching entry with its chain MAC, as `strongroom audit export` writes them. Exports are audited.
 */
final class AuditApi implements HttpService {
    private final AuditSearch search;
    private final AuditLog audit;

    AuditApi(AuditSearch search, AuditLog audit) {
        this.search = search;
        this.audit = audit;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list);
    }

    private void list(ServerRequest req, ServerResponse res) throws SQLException, IOException {
        Principal p = AccessControl.caller(req);
        List<Map<String, String>> problems = new ArrayList<>();
        String actor = text(req, "actor", 200, problems);
        String action = text(req, "action", 100, problems);
        Instant since = instant(req, "since", problems);
        Instant until = instant(req, "until", problems);
        String format = req.query().first("format").orElse("json");
        if (!format.equals("json") && !format.equals("jsonl")) {
            problems.add(Map.of("field", "format", "message", "must be json or jsonl"));
        }
        if (!problems.isEmpty()) {
            throw new ApiException(
                    Status.UNPROCESSABLE_CONTENT_422,
                    "validation_error",
                    problems.get(0).get("field") + " " + problems.get(0).get("message") + ".",
                    problems);
        }
        AuditSearch.Filter filter = new AuditSearch.Filter(
                p.organizationId(), p.role().atLeast(Role.OPERATOR), actor, action, since, until);
        if (format.equals("jsonl")) {
            audit.record(
                    RequestAudit.success(req, res, p, "audit.exported", null, filterText(actor, action, since, until)));
            res.headers().contentType(HttpMediaType.create("application/x-ndjson"));
            res.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"strongroom-audit.jsonl\"");
            try (OutputStream out = res.outputStream()) {
                search.export(filter, out);
            }
            return;
        }
        Paging paging = Paging.of(req);
        AuditSearch.Page page = search.search(filter, paging.limit(), paging.offset());
        List<Map<String, Object>> items =
                page.items().stream().map(AuditApi::json).toList();
        Json.send(res, Status.OK_200, DatasetJson.page(items, page.total(), paging.limit(), paging.offset()));
    }

    private static Map<String, Object> json(AuditRecord r) {
        AuditEvent e = r.event();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", r.seq());
        m.put("object", "audit_entry");
        m.put("time", e.time().toString());
        m.put("actor", e.actor());
        m.put("organization_id", e.organization());
        m.put("action", e.action());
        m.put("target", e.target());
        m.put("source", e.source());
        m.put("outcome", e.outcome().name().toLowerCase(Locale.ROOT));
        m.put("request_id", e.requestId());
        m.put("detail", e.detail());
        m.put("chained", !r.pending());
        return m;
    }

    private static String text(ServerRequest req, String name, int max, List<Map<String, String>> problems) {
        Optional<String> v = req.query().first(name).asOptional().map(String::strip);
        if (v.isEmpty() || v.get().isEmpty()) {
            return null;
        }
        if (v.get().length() > max) {
            problems.add(Map.of("field", name, "message", "must be at most " + max + " characters"));
            return null;
        }
        return v.get();
    }

    private static Instant instant(ServerRequest req, String name, List<Map<String, String>> problems) {
        Optional<String> v = req.query().first(name).asOptional();
        if (v.isEmpty() || v.get().isBlank()) {
            return null;
        }
        try {
            return Instant.parse(v.get().strip());
        } catch (DateTimeParseException e) {
            problems.add(Map.of("field", name, "message", "must be an ISO-8601 instant such as 2026-01-31T09:00:00Z"));
            return null;
        }
    }

    private static String filterText(String actor, String action, Instant since, Instant until) {
        List<String> parts = new ArrayList<>();
        if (actor != null) {
            parts.add("actor " + actor);
        }
        if (action != null) {
            parts.add("action " + action);
        }
        if (since != null) {
            parts.add("since " + since);
        }
        if (until != null) {
            parts.add("until " + until);
        }
        return parts.isEmpty() ? "all entries" : String.join(", ", parts);
    }
}
