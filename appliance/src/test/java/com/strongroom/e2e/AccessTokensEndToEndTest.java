package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import com.strongroom.testing.LabKeycloak;
import com.strongroom.testing.SharedKeycloak;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * OAuth 2.1 bearer tokens from a real Keycloak realm, against a running appliance over TLS: the
 * token's roles and scopes decide, and expired, tampered, wrong-audience and other-realm tokens
 * are refused. Both realms are this class's own in the run's shared Keycloak.
 */
@ExtendWith(SharedKeycloak.class)
class AccessTokensEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    // the realm the appliance trusts, and another one whose tokens it must refuse
    private static final String TRUSTED = SharedKeycloak.realm("strongroom", AccessTokensEndToEndTest.class);
    private static final String OTHER = SharedKeycloak.realm("other", AccessTokensEndToEndTest.class);
    private static final String REALM =
            """
            {"realm":"%s","enabled":true,"accessTokenLifespan":300,
             "roles":{"realm":[{"name":"owner"},{"name":"admin"},{"name":"developer"},{"name":"viewer"}]},
             "clients":[
              {"clientId":"strongroom","publicClient":true,"standardFlowEnabled":true,"directAccessGrantsEnabled":false,
               "implicitFlowEnabled":false,"redirectUris":["https://127.0.0.1/auth/callback"],
               "attributes":{"pkce.code.challenge.method":"S256"}},
              {"clientId":"cli","publicClient":true,"directAccessGrantsEnabled":true,"standardFlowEnabled":false,
               "protocolMappers":[%s]},
              {"clientId":"short-cli","publicClient":true,"directAccessGrantsEnabled":true,"standardFlowEnabled":false,
               "attributes":{"access.token.lifespan":"2"},"protocolMappers":[%s]},
              {"clientId":"no-audience-cli","publicClient":true,"directAccessGrantsEnabled":true,"standardFlowEnabled":false}],
             "users":[
              {"username":"alice","enabled":true,"email":"alice@example.com","emailVerified":true,"firstName":"Alice",
               "lastName":"Able","credentials":[{"type":"password","value":"alice-pass-1","temporary":false}],
               "realmRoles":["developer"]},
              {"username":"bob","enabled":true,"email":"bob@example.com","emailVerified":true,"firstName":"Bob",
               "lastName":"Best","credentials":[{"type":"password","value":"bob-pass-1","temporary":false}]}]}
            """;
    private static final String AUDIENCE =
            """
            {"name":"aud","protocol":"openid-connect","protocolMapper":"oidc-audience-mapper",
             "config":{"included.client.audience":"strongroom","access.token.claim":"true","id.token.claim":"false"}}
            """;

    @TempDir
    static Path dir;

    private static LabKeycloak keycloak;
    private static LabAppliance lab;
    private static Https https;

    @BeforeAll
    static void start(LabKeycloak shared) throws Exception {
        keycloak = shared;
        for (String realm : new String[] {TRUSTED, OTHER}) {
            keycloak.admin("POST", "", REALM.formatted(realm, AUDIENCE, AUDIENCE));
            for (String client : new String[] {"cli", "short-cli", "no-audience-cli"}) {
                for (String scope : new String[] {"datasets:read", "datasets:write", "mcp:query"}) {
                    keycloak.addOptionalScope(realm, client, scope);
                }
            }
        }
        Files.createDirectories(dir.resolve("app"));
        lab = LabAppliance.start(
                dir.resolve("app"), "oauth:\n  issuer: " + keycloak.issuer(TRUSTED) + "\n  clock-skew: 0s\n");
        https = lab.https();
    }

    @AfterAll
    static void stop() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    private static String error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("error").asText();
    }

    @Test
    void aTokensRoleAndScopes_decide() throws Exception {
        String read = keycloak.token(TRUSTED, "cli", "alice", "alice-pass-1", "openid datasets:read");
        HttpResponse<String> list = https.get("/v1/datasets", read);
        assertEquals(200, list.statusCode(), list.body());
        assertEquals("15000", list.headers().firstValue("X-RateLimit-Limit").orElseThrow(), "the token budget");
        HttpResponse<String> create = https.post("/v1/datasets", read, "{\"name\":\"From SSO\"}");
        assertEquals(403, create.statusCode());
        assertEquals("insufficient_scope", error(create));

        String write = keycloak.token(TRUSTED, "cli", "alice", "alice-pass-1", "openid datasets:read datasets:write");
        assertEquals(
                201,
                https.post("/v1/datasets", write, "{\"name\":\"From SSO\"}").statusCode());
        HttpResponse<String> delete = https.get("/v1/api-keys", write);
        assertEquals(403, delete.statusCode(), "a developer manages no keys");
        assertEquals("insufficient_permissions", error(delete));
        // the organization is the appliance's first: the owner's API key sees what the user made
        assertEquals(
                1,
                JSON.readTree(https.get("/v1/datasets", lab.ownerKey()).body())
                        .get("total")
                        .asInt());

        String noRole = keycloak.token(TRUSTED, "cli", "bob", "bob-pass-1", "openid datasets:read");
        HttpResponse<String> bob = https.get("/v1/datasets", noRole);
        assertEquals(403, bob.statusCode());
        assertTrue(bob.body().contains("no Strongroom role"), bob.body());
    }

    @Test
    void badTokens_areRefused() throws Exception {
        String good = keycloak.token(TRUSTED, "cli", "alice", "alice-pass-1", "openid datasets:read");
        String[] parts = good.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"developer\"", "\"owner\"");
        String tampered = parts[0] + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
        assertEquals("invalid_token", error(expect401(tampered)));

        String otherRealm = keycloak.token(OTHER, "cli", "alice", "alice-pass-1", "openid datasets:read");
        assertEquals("invalid_token", error(expect401(otherRealm)));

        String noAudience = keycloak.token(TRUSTED, "no-audience-cli", "alice", "alice-pass-1", "openid datasets:read");
        assertEquals("invalid_token", error(expect401(noAudience)));

        String shortLived = keycloak.token(TRUSTED, "short-cli", "alice", "alice-pass-1", "openid datasets:read");
        assertEquals(200, https.get("/v1/datasets", shortLived).statusCode(), "valid for 2 s");
        Thread.sleep(3500);
        assertEquals("invalid_token", error(expect401(shortLived)));
        assertTrue(!lab.log().contains(good), "tokens never reach the log");
    }

    private static HttpResponse<String> expect401(String token) throws Exception {
        HttpResponse<String> r = https.get("/v1/datasets", token);
        assertEquals(401, r.statusCode(), r.body());
        return r;
    }
}
