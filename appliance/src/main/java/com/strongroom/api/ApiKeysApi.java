package com.strongroom.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.strongroom.audit.AuditLog;
import com.strongroom.auth.ApiKey;
import com.strongroom.auth.ApiKeys;
import com.strongroom.auth.Principal;
import com.strongroom.auth.Role;
import com.strongroom.auth.Scopes;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * /v1/api-keys: create (secret shown once), list (with age warnings), get, revoke. Who may call
 * them is {@link com.strongroom.auth.AccessPolicy}'s: an admin with an unrestricted credential,
 * who sees and revokes only keys of their own role or lower (a key above it answers 404).
 */
final class ApiKeysApi implements HttpService {
    static final int MAX_EXPIRY_DAYS = 3650;

    private final ApiKeys apiKeys;
    private final AuditLog audit;
    private final IdempotencyKeys idempotency;

    ApiKeysApi(ApiKeys apiKeys, AuditLog audit, IdempotencyKeys idempotency) {
        this.apiKeys = apiKeys;
        this.audit = audit;
        this.idempotency = idempotency;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create)
                .get("/", this::list)
                .get("/{id}", this::get)
                .delete("/{id}", this::revoke);
    }

    private void create(ServerRequest req, ServerResponse res) throws SQLException, IOException {
        Principal p = AccessControl.caller(req);
        byte[] raw = RequestBody.bytes(req, RequestBody.MAX_JSON_BYTES);
        IdempotencyKeys.Attempt attempt = idempotency.attempt(p.organizationId(), req, "/v1/api-keys", raw);
        if (attempt.replayed(res)) {
            return; // the secret is never stored, so a retry gets the key without it
        }
        RequestBody body = RequestBody.parse(raw, Set.of("name", "role", "scopes", "expires_in_days", "environment"));
        String name = body.string("name", 1, 200, true).orElse(null);
        Role role = role(body, p);
        Set<String> scopes = scopes(body, p);
        int days = body.integer("expires_in_days", 1, MAX_EXPIRY_DAYS, 0);
        String environment = body.string("environment", 1, 10, false).orElse("live");
        if (!environment.equals("live") && !environment.equals("test")) {
            body.problem("environment", "must be live or test");
        }
        body.validate();
        OffsetDateTime expires =
                days == 0 ? null : OffsetDateTime.now(ZoneOffset.UTC).plusDays(days);
        ApiKeys.CreatedKey created = apiKeys.create(
                p.organizationId(), name, role, scopes, environment.equals("live"), expires, p.actorId());
        ApiKey key = apiKeys.find(p.organizationId(), p.role(), created.id()).orElseThrow();
        record(req, res, p, "api_key.created", key.id(), "role " + role.wireName() + ", scopes " + scopes);
        Map<String, Object> withoutSecret = json(key);
        Map<String, Object> replay = new LinkedHashMap<>(withoutSecret);
        replay.put("key", null);
        attempt.remember(201, Json.write(replay));
        Map<String, Object> answer = new LinkedHashMap<>(withoutSecret);
        answer.put("key", created.secret());
        Json.send(res, Status.CREATED_201, answer);
    }

    private static Role role(RequestBody body, Principal caller) {
        String wanted = body.string("role", 1, 20, false).orElse(Role.DEVELOPER.wireName());
        Role role;
        try {
            role = Role.valueOf(wanted.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            body.problem("role", "must be one of viewer, developer, admin, owner");
            return Role.VIEWER;
        }
        if (role == Role.OPERATOR) {
            // appliance-wide rights are granted on the host, never by an API call
            body.problem("role", "operator keys are granted on the host with 'strongroom keys grant-operator'");
            return Role.VIEWER;
        }
        if (!caller.role().atLeast(role)) {
            body.problem(
                    "role",
                    "cannot be higher than your own role (" + caller.role().wireName() + ")");
        }
        return role;
    }

    private static Set<String> scopes(RequestBody body, Principal caller) {
        JsonNode node = body.raw("scopes");
        if (node == null || node.isNull()) {
            return Set.of(Scopes.ALL);
        }
        Set<String> scopes = new TreeSet<>();
        if (!node.isArray() || node.isEmpty()) {
            body.problem("scopes", "must be a non-empty array of: *, " + String.join(", ", Scopes.KNOWN));
            return scopes;
        }
        for (JsonNode s : node) {
            if (!s.isTextual() || !Scopes.isKnown(s.asText())) {
                body.problem("scopes", "'" + s.asText() + "' is not one of: *, " + String.join(", ", Scopes.KNOWN));
            } else {
                scopes.add(s.asText());
            }
        }
        if (scopes.contains(Scopes.ALL) && scopes.size() > 1) {
            body.problem("scopes", "* already includes every scope; send it alone");
        }
        if (!Scopes.covers(caller.scopes(), scopes)) {
            body.problem("scopes", "cannot include scopes your own credential lacks");
        }
        return scopes;
    }

    private void list(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        Paging paging = Paging.of(req);
        List<Map<String, Object>> items =
                apiKeys.list(p.organizationId(), p.role(), paging.limit(), paging.offset()).stream()
                        .map(ApiKeysApi::json)
                        .toList();
        Json.send(
                res,
                Status.OK_200,
                DatasetJson.page(items, apiKeys.count(p.organizationId(), p.role()), paging.limit(), paging.offset()));
    }

    private ApiKey existing(Principal p, ServerRequest req) throws SQLException {
        String id = req.path().pathParameters().get("id");
        return apiKeys.find(p.organizationId(), p.role(), id)
                .orElseThrow(() ->
                        ApiException.notFound("api_key_not_found", "No API key " + id + " in this organization."));
    }

    private void get(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        Json.send(res, Status.OK_200, json(existing(p, req)));
    }

    private void revoke(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        ApiKey key = existing(p, req);
        ApiKey revoked = apiKeys.revoke(p.organizationId(), p.role(), key.id()).orElseThrow();
        if (!key.revoked()) {
            record(req, res, p, "api_key.revoked", key.id(), null);
        }
        Json.send(res, Status.OK_200, json(revoked));
    }

    static Map<String, Object> json(ApiKey k) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", k.id());
        m.put("object", "api_key");
        m.put("name", k.name());
        m.put("display_prefix", k.displayPrefix());
        m.put("role", k.role().wireName());
        m.put("scopes", List.copyOf(k.scopes()));
        m.put("status", k.revoked() ? "revoked" : k.expired(now) ? "expired" : "active");
        m.put("created_at", k.createdAt().toInstant().toString());
        m.put(
                "expires_at",
                k.expiresAt() == null ? null : k.expiresAt().toInstant().toString());
        m.put(
                "last_used_at",
                k.lastUsedAt() == null ? null : k.lastUsedAt().toInstant().toString());
        m.put(
                "revoked_at",
                k.revokedAt() == null ? null : k.revokedAt().toInstant().toString());
        m.put("age_days", Duration.between(k.createdAt(), now).toDays());
        m.put("rotation_due", !k.revoked() && k.rotationDue(now));
        return m;
    }

    private void record(
            ServerRequest req, ServerResponse res, Principal p, String action, String target, String detail) {
        audit.record(RequestAudit.success(req, res, p, action, target, detail));
    }
}
