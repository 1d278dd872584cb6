package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.ApplianceProcess;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identity edges over real TLS: /v1/system/* is the operator's, not an organization owner's or
 * admin's; the API never mints an operator key, the host CLI does; and an admin neither sees nor
 * revokes a key of a higher role.
 */
class OperatorRoleEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static LabAppliance lab;
    private static Https https;

    @BeforeAll
    static void start() throws Exception {
        lab = LabAppliance.start(dir, "");
        https = lab.https();
    }

    @AfterAll
    static void stop() throws Exception {
        lab.close();
    }

    private static JsonNode body(int status, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.request().method() + " " + r.uri() + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private static String newKey(String role) throws Exception {
        return body(
                        201,
                        https.post(
                                "/v1/api-keys",
                                lab.ownerKey(),
                                "{\"name\":\"" + role + "\",\"role\":\"" + role + "\"}"))
                .get("key")
                .asText();
    }

    private static List<String> listedIds(String key) throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonNode k : body(200, https.get("/v1/api-keys?limit=100", key)).get("items")) {
            ids.add(k.get("id").asText());
        }
        return ids;
    }

    @Test
    void systemEndpoints_needTheOperator_notAnOrganizationOwnerOrAdmin() throws Exception {
        String admin = newKey("admin");
        for (String key : List.of(lab.ownerKey(), admin)) {
            JsonNode keys = body(403, https.get("/v1/system/keys", key));
            assertEquals("insufficient_permissions", keys.get("error").asText());
            assertEquals("operator", keys.get("details").get("required_role").asText());
            body(403, https.get("/v1/system/backups", key));
            body(403, https.post("/v1/system/keys/rotate", key, "{\"dek_purpose\":\"backup\"}"));
        }
        int before = body(200, https.get("/v1/system/keys", lab.operatorKey()))
                .get("deks")
                .size();
        body(200, https.get("/v1/system/backups", lab.operatorKey()));
        assertEquals(
                before,
                body(200, https.get("/v1/system/keys", lab.operatorKey()))
                        .get("deks")
                        .size(),
                "the refused rotations rotated nothing");
        body(200, https.post("/v1/system/keys/rotate", lab.operatorKey(), "{\"dek_purpose\":\"backup\"}"));
    }

    @Test
    void theApiNeverMintsAnOperatorKey_theHostCliDoes() throws Exception {
        HttpResponse<String> refused =
                https.post("/v1/api-keys", lab.ownerKey(), "{\"name\":\"sneaky\",\"role\":\"operator\"}");
        JsonNode error = body(422, refused);
        assertEquals("validation_error", error.get("error").asText());
        assertTrue(error.toString().contains("grant-operator"), error.toString());
        assertFalse(error.toString().contains("sr_live_"), "no key in the refusal");

        Path out = dir.resolve("granted/operator-key");
        Files.createDirectories(out.getParent());
        ApplianceProcess.Result running =
                lab.cli("keys", "grant-operator", "--name", "backup script", "--out", out.toString());
        assertEquals(1, running.exitCode(), running.output());
        assertTrue(running.output().contains("stop the service first"), running.output());
        assertFalse(Files.exists(out));

        ApplianceProcess.Result granted =
                lab.cliStopped("keys", "grant-operator", "--name", "backup script", "--out", out.toString());
        assertEquals(0, granted.exitCode(), granted.output());
        assertEquals(
                Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(out));
        String operator = Files.readString(out).trim();
        assertFalse(granted.output().contains(operator), "the secret goes to the file, not the terminal");
        assertFalse(lab.log().contains(operator));
        body(200, https.get("/v1/system/keys", operator));
    }

    @Test
    void anAdmin_neitherSeesNorRevokes_aKeyOfAHigherRole() throws Exception {
        String admin = newKey("admin");
        String ownerId = body(
                        201,
                        https.post("/v1/api-keys", lab.ownerKey(), "{\"name\":\"second owner\",\"role\":\"owner\"}"))
                .get("id")
                .asText();
        String developerId = body(
                        201, https.post("/v1/api-keys", lab.ownerKey(), "{\"name\":\"dev\",\"role\":\"developer\"}"))
                .get("id")
                .asText();

        List<String> adminSees = listedIds(admin);
        assertTrue(adminSees.contains(developerId), adminSees.toString());
        assertFalse(adminSees.contains(ownerId), adminSees.toString());
        for (JsonNode k : body(200, https.get("/v1/api-keys?limit=100", admin)).get("items")) {
            assertFalse(
                    k.get("role").asText().equals("owner")
                            || k.get("role").asText().equals("operator"),
                    k.toString());
        }
        assertEquals(
                adminSees.size(),
                body(200, https.get("/v1/api-keys?limit=100", admin))
                        .get("total")
                        .asInt());
        assertEquals(
                "api_key_not_found",
                body(404, https.get("/v1/api-keys/" + ownerId, admin))
                        .get("error")
                        .asText());
        body(404, https.send("DELETE", "/v1/api-keys/" + ownerId, admin, "application/json", new byte[0]));
        assertEquals(
                "active",
                body(200, https.get("/v1/api-keys/" + ownerId, lab.ownerKey()))
                        .get("status")
                        .asText());
        body(200, https.get("/v1/datasets", lab.ownerKey()));

        // the owner, in turn, cannot see or revoke the operator's key
        List<String> ownerSees = listedIds(lab.ownerKey());
        for (JsonNode k :
                body(200, https.get("/v1/api-keys?limit=100", lab.ownerKey())).get("items")) {
            assertFalse(k.get("role").asText().equals("operator"), k.toString());
        }
        assertTrue(ownerSees.contains(ownerId));
        String operatorId = null;
        for (JsonNode k : body(200, https.get("/v1/api-keys?limit=100", lab.operatorKey()))
                .get("items")) {
            if (k.get("role").asText().equals("operator")) {
                operatorId = k.get("id").asText();
            }
        }
        assertTrue(operatorId != null && !ownerSees.contains(operatorId));
        body(404, https.send("DELETE", "/v1/api-keys/" + operatorId, lab.ownerKey(), "application/json", new byte[0]));

        // an admin still revokes what is theirs to revoke
        assertEquals(
                "revoked",
                body(200, https.send("DELETE", "/v1/api-keys/" + developerId, admin, "application/json", new byte[0]))
                        .get("status")
                        .asText());
        body(200, https.get("/v1/system/keys", lab.operatorKey()));
    }
}
