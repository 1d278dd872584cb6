package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.keys.DekRecord;
import com.strongroom.keys.DekState;
import com.strongroom.keys.Keyring;
import com.strongroom.keys.PinSource;
import com.strongroom.keys.Pkcs11Hsm;
import com.strongroom.store.H2Database;
import com.strongroom.testing.ApplianceProcess;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabHsm;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appliance as an operator runs it: CLI and `serve` in their own JVMs, a real SoftHSM2 token,
 * real TLS. Walks the foundation's acceptance: ready and unsealed, keys reported, KEK rotated
 * while serving, KEK deleted with pkcs11-tool seals within 10 s, restored token unseals, no
 * secret in files or logs, tampered audit entry named by `audit verify`.
 */
class ApplianceEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void foundationAcceptance() throws Exception {
        long t0 = System.nanoTime();
        java.util.function.Consumer<String> stage =
                name -> System.out.printf("%6.1f s  %s%n", (System.nanoTime() - t0) / 1e9, name);
        Path home = dir.resolve("home");
        String token = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
        Path config = dir.resolve("strongroom.yaml");
        Files.writeString(config, "hsm:\n  token-label: " + token + "\n  probe-interval: 1s\n");
        Path userPin = LabHsm.writeSecret(
                home.resolve("hsm/user.pin"), UUID.randomUUID().toString());
        Path soPin = LabHsm.writeSecret(dir.resolve("so.pin"), UUID.randomUUID().toString());
        int httpsPort = freePort();
        int httpPort = freePort();
        Map<String, String> env = Map.of(
                "STRONGROOM_HTTPS_PORT",
                Integer.toString(httpsPort),
                "STRONGROOM_HTTP_PORT",
                Integer.toString(httpPort));

        ApplianceProcess.Result r =
                ApplianceProcess.run(home, config, env, "keys", "init-token", "--so-pin-file", soPin.toString());
        assertEquals(0, r.exitCode(), r.output());
        r = ApplianceProcess.run(home, config, env, "keys", "init", "--create-kek");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("keyring created under KEK 'strongroom-kek'"), r.output());

        stage.accept("cli init done");
        Path log = dir.resolve("serve.log");
        try (ApplianceProcess serve = ApplianceProcess.serve(home, config, env, log)) {
            awaitFile(home.resolve("tls/server.crt"), serve);
            Https https = new Https(home.resolve("tls/server.crt"), httpsPort);
            https.awaitStatus("/health/ready", null, 200, Duration.ofSeconds(60));

            stage.accept("ready");
            // Bootstrap key: a 0600 file; only its path is logged.
            Path keyFile = home.resolve("bootstrap/owner-api-key");
            assertEquals(
                    java.util.Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(keyFile));
            String apiKey = Files.readString(keyFile).trim();
            assertTrue(apiKey.startsWith("sr_live_"), apiKey.substring(0, 8));
            // The appliance's own keys are the operator's: a second 0600 file, not the owner's key.
            Path operatorKeyFile = home.resolve("bootstrap/operator-api-key");
            assertEquals(
                    java.util.Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(operatorKeyFile));
            String operatorKey = Files.readString(operatorKeyFile).trim();
            HttpResponse<String> ownerOnSystem = https.get("/v1/system/keys", apiKey);
            assertEquals(403, ownerOnSystem.statusCode(), ownerOnSystem.body());
            assertEquals(
                    "operator",
                    JSON.readTree(ownerOnSystem.body())
                            .get("details")
                            .get("required_role")
                            .asText());

            HttpResponse<String> keys = https.get("/v1/system/keys", operatorKey);
            assertEquals(200, keys.statusCode(), keys.body());
            JsonNode body = JSON.readTree(keys.body());
            assertEquals("UNSEALED", body.get("state").asText());
            assertEquals("strongroom-kek", body.get("kek_label").asText());
            assertTrue(body.get("crypto").get("native_aes").asBoolean(), keys.body());
            assertNotEquals("java", body.get("crypto").get("variant").asText());
            assertTrue(body.get("crypto").get("approved_only").asBoolean());
            assertFalse(keys.body().contains("wrapped"), "no key material, not even wrapped, in the API");
            assertTrue(keys.headers().firstValue("X-Request-Id").orElse("").startsWith("req_"));

            HttpResponse<String> anonymous = https.get("/v1/system/keys", null);
            assertEquals(401, anonymous.statusCode());
            assertEquals(
                    "invalid_api_key",
                    JSON.readTree(anonymous.body()).get("error").asText());
            assertEquals(
                    401,
                    https.get("/v1/system/keys", "sr_live_" + "x".repeat(43)).statusCode());

            stage.accept("keys api checked");
            HttpResponse<String> rotated =
                    https.post("/v1/system/keys/rotate", operatorKey, "{\"dek_purpose\":\"backup\"}");
            assertEquals(200, rotated.statusCode(), rotated.body());
            assertEquals(2, JSON.readTree(rotated.body()).get("version").asInt());
            HttpResponse<String> ambiguous = https.post("/v1/system/keys/rotate", operatorKey, "{}");
            assertEquals(422, ambiguous.statusCode());
            assertEquals(
                    "validation_error",
                    JSON.readTree(ambiguous.body()).get("error").asText());
            assertEquals(
                    400,
                    https.post("/v1/system/keys/rotate", operatorKey, "{not json")
                            .statusCode());
            HttpResponse<String> missingKek =
                    https.post("/v1/system/keys/rotate", operatorKey, "{\"kek_label\":\"nope\"}");
            assertEquals(409, missingKek.statusCode(), missingKek.body());
            assertEquals(
                    "UNSEALED",
                    JSON.readTree(https.get("/v1/system/keys", operatorKey).body())
                            .get("state")
                            .asText());

            assertRedirectsToHttps(httpPort, httpsPort);
            assertNoSecretsOnDisk(home, token, userPin, soPin, List.of(apiKey, operatorKey), log);

            stage.accept("secrets scanned");
            r = ApplianceProcess.run(home, config, env, "keys", "status");
            assertEquals(0, r.exitCode(), r.output());
            assertTrue(r.output().contains("KEK reachable"), r.output());

            stage.accept("keys status done");
            // KEK rotation while serving: the running appliance follows the keyring.
            r = ApplianceProcess.run(
                    home, config, env, "keys", "rotate-kek", "--new-label", "strongroom-kek-2", "--create");
            assertEquals(0, r.exitCode(), r.output());
            Thread.sleep(2_500);
            assertEquals(200, https.get("/health/ready", null).statusCode(), "still serving after KEK rotation");
            assertEquals(
                    "strongroom-kek-2",
                    JSON.readTree(https.get("/v1/system/keys", operatorKey).body())
                            .get("kek_label")
                            .asText());

            stage.accept("rotation done");
            // The kill switch: the security team deletes the KEK; sealed within 10 s, nothing crashes.
            Path tokenBackup = LabHsm.backupTokens(dir.resolve("token-backup"));
            LabHsm.deleteKekWithPkcs11Tool(new LabHsm.Token(token, userPin, soPin), "strongroom-kek-2");
            long deleted = System.nanoTime();
            https.awaitStatus("/health/ready", null, 503, Duration.ofSeconds(10));
            HttpResponse<String> sealed = https.get("/v1/system/keys", operatorKey);
            assertEquals(503, sealed.statusCode());
            assertEquals("sealed", JSON.readTree(sealed.body()).get("error").asText());
            assertTrue(serve.isAlive(), "sealing must not stop the process");
            System.out.printf("sealed %.1f s after KEK deletion%n", (System.nanoTime() - deleted) / 1e9);

            stage.accept("sealed");
            // The key comes back (token restored from the HSM's backup): unsealed by itself.
            LabHsm.restoreTokens(tokenBackup);
            https.awaitStatus("/health/ready", null, 200, Duration.ofSeconds(10));
            assertEquals(200, https.get("/v1/system/keys", operatorKey).statusCode());

            stage.accept("unsealed again");
            r = ApplianceProcess.run(home, config, env, "audit", "verify");
            assertEquals(0, r.exitCode(), r.output());

            stage.accept("audit verified");
            assertEquals(143, serve.stop(Duration.ofSeconds(20)), "SIGTERM ends the JVM through its shutdown hook");
            String output = serve.output();
            assertTrue(output.contains("Strongroom is listening on https://127.0.0.1:" + httpsPort), output);
            assertTrue(output.contains("sealing: "), output);
        }

        stage.accept("stopped");
        r = ApplianceProcess.run(home, config, env, "audit", "export");
        assertEquals(0, r.exitCode(), r.output());
        for (String action : List.of(
                "keys.init", "keys.unseal", "keys.seal", "keys.rotate-kek", "keys.rotate-dek", "apikey.create")) {
            assertTrue(r.output().contains("\"action\":\"" + action + "\""), action + " missing from\n" + r.output());
        }

        // the keyring's auto-server wants its local password (keyring/keyring.password)
        try (H2Database db = H2Database.openShared(
                        home.resolve("keyring/keyring"),
                        "db/keyring",
                        com.strongroom.store.LocalPassword.loadOrCreate(home.resolve("keyring/keyring.password")));
                Connection c = db.connection();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3");
        }
        r = ApplianceProcess.run(home, config, env, "audit", "verify");
        assertEquals(1, r.exitCode(), r.output());
        assertTrue(r.output().contains("first bad entry is #3"), r.output());
    }

    @Test
    void firstStartBeforeTheKekExists_waitsSealedWithOneLogLineThenUnseals() throws Exception {
        Path home = dir.resolve("home");
        LabHsm.Token token = LabHsm.newToken(home.resolve("hsm"));
        Path config = dir.resolve("strongroom.yaml");
        Files.writeString(config, "hsm:\n  token-label: " + token.label() + "\n  probe-interval: 500ms\n");
        int httpsPort = freePort();
        Map<String, String> env =
                Map.of("STRONGROOM_HTTPS_PORT", Integer.toString(httpsPort), "STRONGROOM_HTTP_PORT", "-1");
        try (ApplianceProcess serve = ApplianceProcess.serve(home, config, env, dir.resolve("serve.log"))) {
            awaitFile(home.resolve("tls/server.crt"), serve);
            Https https = new Https(home.resolve("tls/server.crt"), httpsPort);
            https.awaitStatus("/health/live", null, 200, Duration.ofSeconds(60));
            Thread.sleep(3_000); // several probe rounds
            assertEquals(503, https.get("/health/ready", null).statusCode());
            assertEquals(1, count(serve.output(), "KEK 'strongroom-kek' not found"), serve.output());
            assertFalse(Files.exists(home.resolve("bootstrap/owner-api-key")));

            LabHsm.createKek(token, "strongroom-kek");
            https.awaitStatus("/health/ready", null, 200, Duration.ofSeconds(10));
            assertTrue(Files.exists(home.resolve("bootstrap/owner-api-key")));
            assertTrue(serve.output().contains("keyring initialised under KEK 'strongroom-kek'"), serve.output());
        }
    }

    @Test
    void wrongPin_startsSealedNotCrashedAndIsNotRetriedUntilThePinFileChanges() throws Exception {
        Path home = dir.resolve("home");
        LabHsm.Token token = LabHsm.newToken(home.resolve("hsm"));
        LabHsm.createKek(token, "strongroom-kek");
        String goodPin = Files.readString(token.userPinFile());
        Path config = dir.resolve("strongroom.yaml");
        Files.writeString(config, "hsm:\n  token-label: " + token.label() + "\n  probe-interval: 500ms\n");
        int httpsPort = freePort();
        Map<String, String> env =
                Map.of("STRONGROOM_HTTPS_PORT", Integer.toString(httpsPort), "STRONGROOM_HTTP_PORT", "-1");
        LabHsm.writeSecret(token.userPinFile(), "wrong-pin-1234");
        try (ApplianceProcess serve = ApplianceProcess.serve(home, config, env, dir.resolve("serve.log"))) {
            awaitFile(home.resolve("tls/server.crt"), serve);
            Https https = new Https(home.resolve("tls/server.crt"), httpsPort);
            https.awaitStatus("/health/live", null, 200, Duration.ofSeconds(60));
            Thread.sleep(3_000);
            assertEquals(503, https.get("/health/ready", null).statusCode());
            String output = serve.output();
            assertEquals(1, count(output, "is incorrect"), output);
            assertFalse(output.contains("wrong-pin-1234"), "the PIN must not be logged");
            assertTrue(serve.isAlive());

            LabHsm.writeSecret(token.userPinFile(), goodPin.trim());
            https.awaitStatus("/health/ready", null, 200, Duration.ofSeconds(10));
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static void awaitFile(Path file, ApplianceProcess serve) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(file)) {
            if (!serve.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("appliance did not start:\n" + serve.output());
            }
            Thread.sleep(200);
        }
    }

    private static void assertRedirectsToHttps(int httpPort, int httpsPort) throws Exception {
        java.net.http.HttpClient plain = java.net.http.HttpClient.newBuilder()
                .followRedirects(java.net.http.HttpClient.Redirect.NEVER)
                .build();
        HttpResponse<String> response = plain.send(
                java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create("http://127.0.0.1:" + httpPort + "/v1/datasets?limit=2"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(308, response.statusCode());
        assertEquals(
                "https://127.0.0.1:" + httpsPort + "/v1/datasets?limit=2",
                response.headers().firstValue("Location").orElse(""));
    }

    /** No DEK, PIN or API key in any file under the home (but their own files) or in the log. */
    private static void assertNoSecretsOnDisk(
            Path home, String token, Path userPin, Path soPin, List<String> apiKeys, Path log) throws Exception {
        List<byte[]> secrets = new ArrayList<>();
        secrets.add(Files.readString(userPin).trim().getBytes(StandardCharsets.UTF_8));
        secrets.add(Files.readString(soPin).trim().getBytes(StandardCharsets.UTF_8));
        for (String apiKey : apiKeys) {
            secrets.add(apiKey.getBytes(StandardCharsets.UTF_8));
        }
        // the keyring's auto-server wants its local password (keyring/keyring.password)
        try (H2Database db = H2Database.openShared(
                        home.resolve("keyring/keyring"),
                        "db/keyring",
                        com.strongroom.store.LocalPassword.loadOrCreate(home.resolve("keyring/keyring.password")));
                Pkcs11Hsm hsm =
                        Pkcs11Hsm.connect(new Pkcs11Hsm.Settings(LabHsm.MODULE, token, new PinSource(userPin)))) {
            List<DekRecord> deks = new Keyring(db).deks();
            assertEquals(5, deks.size(), "four purposes, backup rotated once");
            for (DekRecord dek : deks) {
                assertNotEquals(DekState.DESTROYED, dek.state());
                byte[] raw = hsm.unwrap(dek.kekLabel(), dek.wrapped());
                secrets.add(raw);
                secrets.add(HexFormat.of().formatHex(raw).getBytes(StandardCharsets.US_ASCII));
                secrets.add(Base64.getEncoder().encodeToString(raw).getBytes(StandardCharsets.US_ASCII));
            }
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(home)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> !p.equals(home.resolve("bootstrap/owner-api-key"))
                            && !p.equals(home.resolve("bootstrap/operator-api-key"))
                            && !p.equals(userPin))
                    .toList();
        }
        List<Path> scanned = new ArrayList<>(files);
        scanned.add(log);
        assertTrue(scanned.size() > 5, "expected keyring, metadata and TLS files: " + scanned);
        for (Path file : scanned) {
            byte[] content = Files.readAllBytes(file);
            for (byte[] secret : secrets) {
                assertFalse(contains(content, secret), "a secret appears in plaintext in " + file);
            }
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        String h = new String(haystack, StandardCharsets.ISO_8859_1);
        return h.contains(new String(needle, StandardCharsets.ISO_8859_1));
    }
}
