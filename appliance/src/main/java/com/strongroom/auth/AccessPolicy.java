package com.strongroom.auth;

import static com.strongroom.auth.Role.ADMIN;
import static com.strongroom.auth.Role.DEVELOPER;
import static com.strongroom.auth.Role.OPERATOR;
import static com.strongroom.auth.Role.VIEWER;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The one table that decides who may call what. Viewers read and query; developers also create
 * and change datasets and upload and delete documents; admins also delete datasets and manage
 * webhooks; managing API keys needs an admin with an unrestricted credential; the appliance's
 * own keys and backups ({@code /v1/system/*}) need the operator role, which no organization role
 * includes. Every route the API registers must appear here or in {@link #PUBLIC} (a test
 * compares them), so a new endpoint cannot ship without a decision.
 */
public final class AccessPolicy {
    /**
     * Answer without an API key or token: health, the API description, and browser sign-in (whose
     * session and sign-out endpoints check the session cookie themselves).
     */
    public static final Set<String> PUBLIC = Set.of(
            "GET /health/live",
            "GET /health/ready",
            "GET /v1/openapi.json",
            "GET /auth/login",
            "GET /auth/callback",
            "GET /auth/session",
            "POST /auth/logout");

    public static final List<AccessRule> RULES = List.of(
            new AccessRule("POST", "/v1/datasets", DEVELOPER, "datasets:write"),
            new AccessRule("GET", "/v1/datasets", VIEWER, "datasets:read"),
            new AccessRule("GET", "/v1/datasets/{id}", VIEWER, "datasets:read"),
            new AccessRule("PATCH", "/v1/datasets/{id}", DEVELOPER, "datasets:write"),
            new AccessRule("DELETE", "/v1/datasets/{id}", ADMIN, "datasets:delete"),
            new AccessRule("POST", "/v1/datasets/{id}/restore", ADMIN, "datasets:delete"),
            new AccessRule("POST", "/v1/datasets/{id}/query", VIEWER, "datasets:read"),
            new AccessRule("POST", "/v1/datasets/{id}/documents", DEVELOPER, "documents:write"),
            new AccessRule("GET", "/v1/datasets/{id}/documents", VIEWER, "documents:read"),
            new AccessRule("GET", "/v1/datasets/{id}/documents/{doc_id}", VIEWER, "documents:read"),
            new AccessRule("POST", "/v1/datasets/{id}/documents/{doc_id}/retry", DEVELOPER, "documents:write"),
            new AccessRule("DELETE", "/v1/datasets/{id}/documents/{doc_id}", DEVELOPER, "documents:delete"),
            new AccessRule("POST", "/v1/webhooks", ADMIN, "webhooks:manage"),
            new AccessRule("GET", "/v1/webhooks", ADMIN, "webhooks:manage"),
            new AccessRule("GET", "/v1/webhooks/{id}", ADMIN, "webhooks:manage"),
            new AccessRule("DELETE", "/v1/webhooks/{id}", ADMIN, "webhooks:manage"),
            // a scope-limited key could otherwise mint an unlimited one
            new AccessRule("POST", "/v1/api-keys", ADMIN, Scopes.ALL),
            new AccessRule("GET", "/v1/api-keys", ADMIN, Scopes.ALL),
            new AccessRule("GET", "/v1/api-keys/{id}", ADMIN, Scopes.ALL),
            new AccessRule("DELETE", "/v1/api-keys/{id}", ADMIN, Scopes.ALL),
            new AccessRule("POST", "/v1/mcp", VIEWER, "mcp:query"),
            new AccessRule("GET", "/v1/mcp", VIEWER, "mcp:query"),
            new AccessRule("DELETE", "/v1/mcp", VIEWER, "mcp:query"),
            new AccessRule("POST", "/v1/mcp/query", VIEWER, "mcp:query"),
            // unrestricted admins only; the appliance-wide entries (seal, rotations, refused requests) only for the
            // operator
            new AccessRule("GET", "/v1/audit", ADMIN, Scopes.ALL),
            new AccessRule("GET", "/v1/members", ADMIN, "account:read"),
            // appliance-wide, not one organization's: the operator, never an organization's owner
            new AccessRule("GET", "/v1/system/keys", OPERATOR, Scopes.ALL),
            new AccessRule("GET", "/v1/system/backups", OPERATOR, Scopes.ALL),
            new AccessRule("POST", "/v1/system/keys/rotate", OPERATOR, Scopes.ALL));

    private AccessPolicy() {}

    /** The rule for a request, if the route is one the policy knows. */
    public static Optional<AccessRule> ruleFor(String method, String path) {
        List<String> segments = segments(path);
        for (AccessRule rule : RULES) {
            if (rule.matches(method, segments)) {
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }

    public static boolean isPublic(String method, String path) {
        return PUBLIC.contains(method + " " + path);
    }

    static List<String> segments(String path) {
        List<String> segments = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                segments.add(s);
            }
        }
        return segments;
    }
}
