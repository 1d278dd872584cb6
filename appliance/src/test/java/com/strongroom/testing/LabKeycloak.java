package com.strongroom.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Keycloak (the distribution Maven unpacked into target/keycloak) in dev mode on loopback,
 * with a fresh database, a random admin password passed by environment, and its log in a file.
 * {@link #close} stops it by PID, children included; so does a shutdown hook if the JVM exits
 * first (an aborted run), since kc.sh and its JVM would otherwise outlive the tests. Tests get the
 * run's one instance from {@link SharedKeycloak}.
 */
public final class LabKeycloak implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public final int port;
    private final Process process;
    private final Thread shutdownHook;
    private final String adminPassword;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private LabKeycloak(int port, Process process, String adminPassword) {
        this.port = port;
        this.process = process;
        this.adminPassword = adminPassword;
        // no grace on JVM exit: the next start deletes the database anyway
        this.shutdownHook = new Thread(() -> stop(process, Duration.ZERO), "lab-keycloak-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public static LabKeycloak start(Path logDir) throws Exception {
        Path home;
        try (Stream<Path> dirs = Files.list(Path.of("target", "keycloak"))) {
            home = dirs.filter(p -> p.getFileName().toString().startsWith("keycloak-"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no Keycloak under target/keycloak: run the Maven build"));
        }
        Path data = home.resolve("data");
        if (Files.exists(data)) {
            try (Stream<Path> walk = Files.walk(data)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        int port = freePort();
        int management = freePort();
        String password = UUID.randomUUID().toString();
        ProcessBuilder pb = new ProcessBuilder(
                home.resolve("bin/kc.sh").toString(),
                "start-dev",
                "--http-host=127.0.0.1",
                "--http-port=" + port,
                "--http-management-port=" + management,
                "--health-enabled=true");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", "admin");
        pb.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", password);
        Path log = logDir.resolve("keycloak.log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        LabKeycloak kc = new LabKeycloak(port, pb.start(), password);
        long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
        while (true) {
            try {
                HttpResponse<String> r = kc.http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/health/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return kc;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            if (!kc.process.isAlive() || System.nanoTime() > deadline) {
                kc.close();
                throw new AssertionError("Keycloak did not start:\n" + Files.readString(log));
            }
            Thread.sleep(500);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public String issuer(String realm) {
        return url() + "/realms/" + realm;
    }

    public long pid() {
        return process.pid();
    }

    /** The admin password in a 0600 file, as an operator would hand it to `sso provision`. */
    public Path writeAdminPassword(Path file) throws Exception {
        return LabHsm.writeSecret(file, adminPassword);
    }

    private String adminToken() throws Exception {
        return token("master", "admin-cli", "admin", adminPassword, null);
    }

    /** An access token by the password grant, or an AssertionError with Keycloak's answer. */
    public String token(String realm, String clientId, String user, String password, String scope) throws Exception {
        Map<String, String> form = new java.util.LinkedHashMap<>();
        form.put("grant_type", "password");
        form.put("client_id", clientId);
        form.put("username", user);
        form.put("password", password);
        if (scope != null) {
            form.put("scope", scope);
        }
        String body = form.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(issuer(realm) + "/protocol/openid-connect/token"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("token request refused: " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body()).get("access_token").asText();
    }

    /** Calls the admin REST API; returns the body, or fails on a status other than 2xx. */
    public String admin(String method, String path, String json) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url() + "/admin/realms" + path))
                .header("Authorization", "Bearer " + adminToken())
                .header("Content-Type", "application/json")
                .method(
                        method,
                        json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new AssertionError(method + " " + path + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /** Creates the client scope {@code scope} in {@code realm} and offers it to {@code clientId}. */
    public void addOptionalScope(String realm, String clientId, String scope) throws Exception {
        JsonNode existing = JSON.readTree(admin("GET", "/" + realm + "/client-scopes", null));
        String scopeId = null;
        for (JsonNode s : existing) {
            if (s.get("name").asText().equals(scope)) {
                scopeId = s.get("id").asText();
            }
        }
        if (scopeId == null) {
            admin(
                    "POST",
                    "/" + realm + "/client-scopes",
                    JSON.writeValueAsString(Map.of(
                            "name",
                            scope,
                            "protocol",
                            "openid-connect",
                            "attributes",
                            Map.of("include.in.token.scope", "true"))));
            addOptionalScope(realm, clientId, scope);
            return;
        }
        String client = JSON.readTree(admin("GET", "/" + realm + "/clients?clientId=" + clientId, null))
                .get(0)
                .get("id")
                .asText();
        admin("PUT", "/" + realm + "/clients/" + client + "/optional-client-scopes/" + scopeId, null);
    }

    @Override
    public void close() throws Exception {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook is doing this
        }
        stop(process, Duration.ofSeconds(30));
    }

    /** TERM, then KILL after {@code grace}: kc.sh starts the JVM as its child, so both, by PID. */
    private static void stop(Process process, Duration grace) {
        ProcessHandle handle = process.toHandle();
        var children = handle.descendants().toList();
        handle.destroy();
        children.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        while ((handle.isAlive() || children.stream().anyMatch(ProcessHandle::isAlive))
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        handle.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
    }
}
