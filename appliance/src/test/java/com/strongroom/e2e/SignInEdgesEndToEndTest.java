package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Browser sign-in's edges, against a stand-in token endpoint that refuses every code (what the
 * appliance does before it calls it is what is tested): the OAuth state is bound to the browser
 * that started the sign-in by a pre-auth cookie, pending sign-ins are bounded, and /auth/* has a
 * per-address budget.
 */
class SignInEdgesEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int AUTH_PER_HOUR = 10;

    @TempDir
    static Path dir;

    private static HttpServer keycloak;
    private static final AtomicInteger codeExchanges = new AtomicInteger();
    private static LabAppliance lab;
    private static Https https;

    @BeforeAll
    static void start() throws Exception {
        keycloak = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        keycloak.createContext("/realms/lab/protocol/openid-connect/token", exchange -> {
            codeExchanges.incrementAndGet();
            byte[] body = "{\"error\":\"invalid_grant\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(400, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        keycloak.start();
        lab = LabAppliance.start(
                dir,
                "oauth:\n  issuer: http://127.0.0.1:" + keycloak.getAddress().getPort() + "/realms/lab\n"
                        + "  audience: strongroom\n  redirect-uri: https://127.0.0.1/auth/callback\n"
                        + "  sign-in-rate-limit-per-hour: " + AUTH_PER_HOUR + "\n  max-pending-sign-ins: 3\n");
        https = lab.https();
    }

    @AfterAll
    static void stop() throws Exception {
        lab.close();
        keycloak.stop(0);
    }

    private static String state(HttpResponse<String> login) {
        String query =
                URI.create(login.headers().firstValue("Location").orElseThrow()).getRawQuery();
        for (String pair : query.split("&")) {
            if (pair.startsWith("state=")) {
                return URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no state in " + query);
    }

    private static HttpResponse<String> callback(String state, String cookie) throws Exception {
        String path = "/auth/callback?code=some-code&state=" + state;
        return cookie == null
                ? https.get(path, null)
                : https.sendWithHeader("GET", path, null, new byte[0], "Cookie", cookie);
    }

    private static JsonNode error(int status, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void stateIsBoundToTheBrowser_pendingIsBounded_andAuthHasABudget() throws Exception {
        HttpResponse<String> login = https.get("/auth/login", null);
        assertEquals(302, login.statusCode(), login.body());
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(setCookie.startsWith("__Host-strongroom-sign-in="), setCookie);
        for (String attribute : new String[] {"Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=600"}) {
            assertTrue(setCookie.contains("; " + attribute), attribute + " in " + setCookie);
        }
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        String state = state(login);

        // an attacker's sign-in link opened in the victim's browser: no cookie, or not this one
        JsonNode lured = error(400, callback(state, null));
        assertEquals("sign_in_failed", lured.get("error").asText());
        assertTrue(lured.get("message").asText().contains("not started in this browser"), lured.toString());
        error(400, callback(state, "__Host-strongroom-sign-in=" + "A".repeat(43)));
        assertEquals(0, codeExchanges.get(), "a callback from another browser never reaches the token endpoint");

        // the browser that started it gets as far as the code exchange (which the stand-in refuses)
        JsonNode own = error(400, callback(state, cookie));
        assertTrue(own.get("message").asText().contains("refused the authorization code"), own.toString());
        assertEquals(1, codeExchanges.get());

        // at most 3 sign-ins wait for their callback; the 4th is refused, none is evicted
        for (int i = 0; i < 3; i++) {
            assertEquals(302, https.get("/auth/login", null).statusCode());
        }
        HttpResponse<String> busy = https.get("/auth/login", null);
        assertEquals("sign_in_busy", error(503, busy).get("error").asText());
        assertTrue(busy.headers().firstValue("Retry-After").isPresent());

        // 8 requests to /auth/* so far; the 9th and 10th are the last this address gets this hour
        assertEquals(401, https.get("/auth/session", null).statusCode());
        assertEquals(401, https.get("/auth/session", null).statusCode());
        HttpResponse<String> limited = https.get("/auth/login", null);
        assertEquals("rate_limit_exceeded", error(429, limited).get("error").asText());
        assertTrue(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow()) > 0);
        assertEquals(429, callback(state, cookie).statusCode(), "the callback shares the address's budget");
        assertEquals(1, codeExchanges.get());
        assertEquals(200, https.get("/v1/datasets", lab.ownerKey()).statusCode(), "the API's budget is apart");
    }
}
