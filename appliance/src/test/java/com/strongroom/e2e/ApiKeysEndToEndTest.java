package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.auth.Role;
import com.strongroom.testing.ApplianceProcess;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /v1/api-keys over real TLS: secrets shown once, limits on who may mint what, immediate revocation. */
class ApiKeysEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static LabAppliance lab;
    private static Https https;
    private static String owner;
    private static String narrowAdmin;

    @BeforeAll
    static void start() throws Exception {
        lab = LabAppliance.start(dir, "");
        narrowAdmin = lab.addApiKey(Role.ADMIN, Set.of("datasets:read", "datasets:write"));
        https = lab.https();
        owner = lab.ownerKey();
    }

    @AfterAll
    static void stop() throws Exception {
        lab.close();
    }

    private static JsonNode body(int status, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.request().method() + " " + r.uri() + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private static Set<String> problemFields(HttpResponse<String> r) throws Exception {
        JsonNode error = body(422, r);
        assertEquals("validation_error", error.get("error").asText());
        Set<String> fields = new HashSet<>();
        error.get("details").forEach(d -> fields.add(d.get("field").asText()));
        return fields;
    }

    @Test
    void create_use_list_revoke() throws Exception {
        JsonNode created = body(
                201,
                https.post(
                        "/v1/api-keys",
                        owner,
                        "{\"name\":\"reporting job\",\"role\":\"developer\",\"scopes\":[\"datasets:read\"],"
                                + "\"expires_in_days\":30}"));
        String secret = created.get("key").asText();
        String id = created.get("id").asText();
        assertTrue(secret.matches("sr_live_[0-9A-Za-z]{40,60}"), secret);
        assertTrue(id.startsWith("key_"), id);
        assertEquals(secret.substring(0, 12), created.get("display_prefix").asText());
        assertEquals("developer", created.get("role").asText());
        assertEquals("[\"datasets:read\"]", created.get("scopes").toString());
        assertEquals("active", created.get("status").asText());
        Instant expires = Instant.parse(created.get("expires_at").asText());
        assertTrue(expires.isAfter(Instant.now().plusSeconds(29L * 86400)), expires.toString());
        assertTrue(expires.isBefore(Instant.now().plusSeconds(31L * 86400)), expires.toString());

        // the new key works within its scope and role, and nowhere else
        assertEquals(200, https.get("/v1/datasets", secret).statusCode());
        JsonNode scope = body(403, https.post("/v1/datasets", secret, "{\"name\":\"x\"}"));
        assertEquals("insufficient_scope", scope.get("error").asText());
        assertEquals(
                "insufficient_permissions",
                body(403, https.get("/v1/api-keys", secret)).get("error").asText());

        JsonNode listed = body(200, https.get("/v1/api-keys?limit=100", owner));
        assertEquals(listed.get("items").size(), listed.get("total").asInt(), listed.toString());
        Set<String> ids = new HashSet<>();
        listed.get("items").forEach(k -> ids.add(k.get("id").asText()));
        assertTrue(ids.contains(id), listed.toString());
        assertFalse(listed.toString().contains(secret), "a listing never shows a secret");
        assertFalse(listed.toString().contains(owner), "a listing never shows a secret");
        JsonNode mine = body(200, https.get("/v1/api-keys/" + id, owner));
        assertFalse(mine.has("key"));
        assertNotEquals("null", mine.get("last_used_at").toString(), "used above: " + mine);
        assertFalse(mine.get("rotation_due").asBoolean());

        JsonNode revoked = body(200, https.delete("/v1/api-keys/" + id, owner));
        assertEquals("revoked", revoked.get("status").asText());
        JsonNode refused = body(401, https.get("/v1/datasets", secret));
        assertEquals("invalid_api_key", refused.get("error").asText());
        assertEquals(
                revoked.get("revoked_at").asText(),
                body(200, https.delete("/v1/api-keys/" + id, owner))
                        .get("revoked_at")
                        .asText(),
                "revoking twice keeps the first time");

        assertFalse(lab.log().contains(secret), "the secret never reaches the log");
        ApplianceProcess.Result audit = ApplianceProcess.run(lab.home, lab.config, lab.env, "audit", "export");
        assertEquals(0, audit.exitCode(), audit.output());
        assertTrue(audit.output().contains("\"api_key.created\""), audit.output());
        assertTrue(audit.output().contains("\"api_key.revoked\""), audit.output());
        assertFalse(audit.output().contains(secret));
    }

    @Test
    void nobodyMintsMoreThanTheyHold() throws Exception {
        // a scope-limited admin key may not manage keys at all: it could mint an unlimited one
        JsonNode narrow = body(403, https.post("/v1/api-keys", narrowAdmin, "{\"name\":\"escalate\"}"));
        assertEquals("insufficient_scope", narrow.get("error").asText());
        String admin = body(201, https.post("/v1/api-keys", owner, "{\"name\":\"ops\",\"role\":\"admin\"}"))
                .get("key")
                .asText();
        assertEquals(
                Set.of("role"),
                problemFields(https.post("/v1/api-keys", admin, "{\"name\":\"x\",\"role\":\"owner\"}")));
        String developer = body(201, https.post("/v1/api-keys", owner, "{\"name\":\"dev\"}"))
                .get("key")
                .asText();
        assertEquals(
                403, https.post("/v1/api-keys", developer, "{\"name\":\"x\"}").statusCode());
    }

    @Test
    void badInput_isRefusedFieldByField_andCreatesNothing() throws Exception {
        int before = body(200, https.get("/v1/api-keys", owner)).get("total").asInt();
        assertEquals(
                Set.of("name", "role", "scopes", "expires_in_days", "environment", "colour"),
                problemFields(https.post(
                        "/v1/api-keys",
                        owner,
                        "{\"role\":\"superuser\",\"scopes\":[\"datasets:read\",\"nope\"],\"expires_in_days\":0,"
                                + "\"environment\":\"prod\",\"colour\":1}")));
        assertEquals(
                Set.of("scopes"), problemFields(https.post("/v1/api-keys", owner, "{\"name\":\"x\",\"scopes\":[]}")));
        assertEquals(
                Set.of("scopes"),
                problemFields(https.post("/v1/api-keys", owner, "{\"name\":\"x\",\"scopes\":[\"*\",\"mcp:query\"]}")));
        assertEquals(400, https.post("/v1/api-keys", owner, "{\"name\":").statusCode());
        assertEquals(
                "api_key_not_found",
                body(404, https.delete("/v1/api-keys/key_nope", owner))
                        .get("error")
                        .asText());
        assertEquals(
                before, body(200, https.get("/v1/api-keys", owner)).get("total").asInt());
    }

    @Test
    void aRetriedCreate_withTheSameIdempotencyKey_returnsTheSameKey_withoutTheSecret() throws Exception {
        byte[] json = "{\"name\":\"ci\",\"environment\":\"test\"}".getBytes(StandardCharsets.UTF_8);
        JsonNode first =
                body(201, https.sendWithHeader("POST", "/v1/api-keys", owner, json, "Idempotency-Key", "ci-1"));
        JsonNode again =
                body(201, https.sendWithHeader("POST", "/v1/api-keys", owner, json, "Idempotency-Key", "ci-1"));
        assertTrue(first.get("key").asText().startsWith("sr_test_"));
        assertEquals(first.get("id"), again.get("id"));
        assertTrue(again.get("key").isNull(), again.toString());
    }
}
