package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.auth.AccessPolicy;
import com.strongroom.auth.AccessRule;
import com.strongroom.auth.Role;
import com.strongroom.auth.Scopes;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every role × every endpoint and every scope × every endpoint, over real TLS against a running
 * appliance. Path ids name nothing that exists and bodies are empty, so an admitted request ends
 * in 404 or 422 and changes nothing; a refused one must be 403 with the reason.
 */
class AccessPolicyEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static LabAppliance lab;
    private static Https https;
    private static final Map<Role, String> byRole = new LinkedHashMap<>();
    private static final Map<String, String> byScope = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        lab = LabAppliance.start(dir, "");
        https = lab.https();
        for (Role role : Role.ORGANIZATION_ROLES) {
            byRole.put(role, key("{\"name\":\"" + role + "\",\"role\":\"" + role.wireName() + "\"}"));
        }
        byRole.put(Role.OPERATOR, lab.operatorKey()); // the API never makes one
        for (String scope : Scopes.KNOWN) {
            byScope.put(scope, key("{\"name\":\"" + scope + "\",\"role\":\"owner\",\"scopes\":[\"" + scope + "\"]}"));
        }
    }

    private static String key(String json) throws Exception {
        HttpResponse<String> r = https.post("/v1/api-keys", lab.ownerKey(), json);
        assertEquals(201, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("key").asText();
    }

    @AfterAll
    static void stop() throws Exception {
        lab.close();
    }

    private static HttpResponse<String> call(AccessRule rule, String key) throws Exception {
        String path = rule.path()
                .replace("/v1/datasets/{id}", "/v1/datasets/ds_nosuchdataset")
                .replace("{doc_id}", "doc_nosuchdocument")
                .replace("/v1/webhooks/{id}", "/v1/webhooks/wh_nosuchwebhook")
                .replace("/v1/api-keys/{id}", "/v1/api-keys/key_nosuchkey");
        assertTrue(!path.contains("{"), "no stand-in id for " + rule.path());
        byte[] body = rule.method().equals("GET") || rule.method().equals("DELETE")
                ? new byte[0]
                : "{}".getBytes(StandardCharsets.UTF_8);
        return https.send(rule.method(), path, key, "application/json", body);
    }

    private static String outcome(HttpResponse<String> r) throws Exception {
        if (r.statusCode() == 403) {
            return JSON.readTree(r.body()).get("error").asText();
        }
        return r.statusCode() == 401 ? "unauthenticated" : "admitted";
    }

    @Test
    void everyRole_onEveryEndpoint() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (AccessRule rule : AccessPolicy.RULES) {
            for (Map.Entry<Role, String> key : byRole.entrySet()) {
                String expected = key.getKey().atLeast(rule.role()) ? "admitted" : "insufficient_permissions";
                String actual = outcome(call(rule, key.getValue()));
                if (!expected.equals(actual)) {
                    wrong.add(rule.method() + " " + rule.path() + " as " + key.getKey() + ": " + actual);
                }
            }
            assertEquals("unauthenticated", outcome(call(rule, null)), rule.toString());
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void everyScope_onEveryEndpoint() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (AccessRule rule : AccessPolicy.RULES) {
            for (Map.Entry<String, String> key : byScope.entrySet()) {
                // the scope keys are owners: below an operator-only route the role refuses first
                String expected = !Role.OWNER.atLeast(rule.role())
                        ? "insufficient_permissions"
                        : key.getKey().equals(rule.scope()) ? "admitted" : "insufficient_scope";
                String actual = outcome(call(rule, key.getValue()));
                if (!expected.equals(actual)) {
                    wrong.add(rule.method() + " " + rule.path() + " with " + key.getKey() + ": " + actual);
                }
            }
        }
        assertEquals(List.of(), wrong);
        // and what the table walk must not have done: the refused and admitted calls created nothing
        JsonNode datasets =
                JSON.readTree(https.get("/v1/datasets", lab.ownerKey()).body());
        assertEquals(0, datasets.get("total").asInt(), datasets.toString());
        assertEquals(
                // the operator key is above the owner: not in the owner's list
                Role.ORGANIZATION_ROLES.size() + Scopes.KNOWN.size() + 1,
                JSON.readTree(https.get("/v1/api-keys", lab.ownerKey()).body())
                        .get("total")
                        .asInt());
    }
}
