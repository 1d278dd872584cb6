package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.ApplianceProcess;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import com.strongroom.testing.LabKeycloak;
import com.strongroom.testing.SharedKeycloak;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Browser sign-in against a real Keycloak, driven over HTTP the way a browser does it: the
 * appliance's /auth/login redirect, Keycloak's own login form, the callback with code and state,
 * the session cookie on /v1 with CSRF on writes, sign-out, and a replayed cookie afterwards.
 * (The headless-Chromium run through the brokered SAML IdP is still to come.) The realm is this
 * class's own in the run's shared Keycloak.
 */
@ExtendWith(SharedKeycloak.class)
class BrowserSignInEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REALM = SharedKeycloak.realm("strongroom", BrowserSignInEndToEndTest.class);
    private static final Pattern FORM_ACTION =
            Pattern.compile("<form[^>]*id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"");

    /** Small, so one test can use a session's whole hourly budget (15,000 by default). */
    private static final int SESSION_LIMIT = 40;

    @TempDir
    static Path dir;

    private static LabKeycloak keycloak;
    private static LabAppliance lab;
    private static Https https;

    @BeforeAll
    static void start(LabKeycloak shared) throws Exception {
        keycloak = shared;
        Files.createDirectories(dir.resolve("app"));
        int port = LabAppliance.portOutsideEphemeralRange();
        String redirect = "https://127.0.0.1:" + port + "/auth/callback";
        keycloak.admin(
                "POST",
                "",
                """
                {"realm":"%s","enabled":true,
                 "roles":{"realm":[{"name":"owner"},{"name":"admin"},{"name":"developer"},{"name":"viewer"}]},
                 "clients":[{"clientId":"strongroom","publicClient":true,"standardFlowEnabled":true,
                   "directAccessGrantsEnabled":false,"implicitFlowEnabled":false,"redirectUris":["%s"],
                   "attributes":{"pkce.code.challenge.method":"S256"},
                   "protocolMappers":[{"name":"aud","protocol":"openid-connect","protocolMapper":"oidc-audience-mapper",
                     "config":{"included.client.audience":"strongroom","access.token.claim":"true"}}]}],
                 "users":[{"username":"carol","enabled":true,"email":"carol@example.com","emailVerified":true,
                   "firstName":"Carol","lastName":"Cole","realmRoles":["developer"],
                   "credentials":[{"type":"password","value":"carol-pass-1","temporary":false}]}]}
                """
                        .formatted(REALM, redirect));
        for (String scope : com.strongroom.auth.Scopes.KNOWN) { // as `sso provision` makes them
            keycloak.addOptionalScope(REALM, "strongroom", scope);
        }
        lab = LabAppliance.startOnPort(
                dir.resolve("app"),
                "oauth:\n  issuer: " + keycloak.issuer(REALM) + "\n  redirect-uri: " + redirect
                        + "\n  rate-limit-per-hour: " + SESSION_LIMIT + "\n",
                port);
        https = lab.https();
    }

    @AfterAll
    static void stop() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    /** Signs carol in as a browser would and returns the session cookie value. */
    private static String signIn() throws Exception {
        HttpResponse<String> login = https.get("/auth/login", null);
        assertEquals(302, login.statusCode(), login.body());
        URI authorize = URI.create(login.headers().firstValue("Location").orElseThrow());
        String preAuth = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(preAuth.startsWith("__Host-strongroom-sign-in="), preAuth);
        assertTrue(preAuth.contains("HttpOnly") && preAuth.contains("Secure") && preAuth.contains("SameSite=Lax"));
        String preAuthCookie = preAuth.substring(0, preAuth.indexOf(';'));
        assertTrue(authorize.getQuery().contains("code_challenge_method=S256"), authorize.toString());
        assertTrue(authorize.getQuery().contains("response_type=code"), authorize.toString());

        // Keycloak marks its cookies Secure; a browser sends them to http://127.0.0.1 (a secure context),
        // Java's CookieManager does not, so this test carries them by hand
        HttpClient browser = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        HttpResponse<String> form =
                browser.send(HttpRequest.newBuilder(authorize).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(
                200, form.statusCode(), form.headers().firstValue("Location").orElse(form.body()));
        Matcher action = FORM_ACTION.matcher(form.body());
        assertTrue(action.find(), "Keycloak's login form");
        String post = "username=carol&password=" + URLEncoder.encode("carol-pass-1", StandardCharsets.UTF_8)
                + "&credentialId=";
        String cookies = form.headers().allValues("Set-Cookie").stream()
                .map(c -> c.substring(0, c.indexOf(';') < 0 ? c.length() : c.indexOf(';')))
                .collect(java.util.stream.Collectors.joining("; "));
        HttpResponse<String> back = browser.send(
                HttpRequest.newBuilder(URI.create(action.group(1).replace("&amp;", "&")))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Cookie", cookies)
                        .POST(HttpRequest.BodyPublishers.ofString(post))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(302, back.statusCode(), back.body());
        URI callback = URI.create(back.headers().firstValue("Location").orElseThrow());
        assertEquals("/auth/callback", callback.getPath());

        // login CSRF: the same callback in a browser that did not start the sign-in is refused
        HttpResponse<String> lured = https.get(callback.getPath() + "?" + callback.getRawQuery(), null);
        assertEquals(400, lured.statusCode(), lured.body());
        assertTrue(lured.body().contains("not started in this browser"), lured.body());
        HttpResponse<String> done = https.sendWithHeader(
                "GET", callback.getPath() + "?" + callback.getRawQuery(), null, new byte[0], "Cookie", preAuthCookie);
        assertEquals(303, done.statusCode(), done.body());
        String setCookie = done.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(setCookie.startsWith("__Host-strongroom-session="), setCookie);
        assertTrue(
                setCookie.contains("HttpOnly") && setCookie.contains("Secure") && setCookie.contains("SameSite=Lax"));
        HttpResponse<String> replay = https.sendWithHeader(
                "GET", callback.getPath() + "?" + callback.getRawQuery(), null, new byte[0], "Cookie", preAuthCookie);
        assertEquals(400, replay.statusCode(), "a callback's state works once");
        return setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
    }

    private static HttpResponse<String> withCookie(String method, String path, String cookie, String csrf, String body)
            throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + lab.httpsPort + path))
                .header("Cookie", "__Host-strongroom-session=" + cookie)
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (csrf != null) {
            req.header("X-CSRF-Token", csrf);
        }
        return https.client().send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void signIn_useTheSession_withCsrf_signOut_andTheCookieIsDead() throws Exception {
        String first = signIn();
        String cookie = signIn();
        assertNotEquals(first, cookie, "every sign-in gets a new session id");

        JsonNode session = JSON.readTree(
                withCookie("GET", "/auth/session", cookie, null, null).body());
        assertEquals("developer", session.get("role").asText());
        String csrf = session.get("csrf_token").asText();

        assertEquals(200, withCookie("GET", "/v1/datasets", cookie, null, null).statusCode());
        HttpResponse<String> noCsrf = withCookie("POST", "/v1/datasets", cookie, null, "{\"name\":\"Mine\"}");
        assertEquals(403, noCsrf.statusCode());
        assertEquals(
                "csrf_token_invalid", JSON.readTree(noCsrf.body()).get("error").asText());
        assertEquals(
                403,
                withCookie("POST", "/v1/datasets", cookie, "wrong", "{\"name\":\"Mine\"}")
                        .statusCode());
        assertEquals(
                201,
                withCookie("POST", "/v1/datasets", cookie, csrf, "{\"name\":\"Mine\"}")
                        .statusCode());

        assertEquals(
                403, withCookie("POST", "/auth/logout", cookie, null, null).statusCode(), "sign-out needs CSRF too");
        HttpResponse<String> out = withCookie("POST", "/auth/logout", cookie, csrf, null);
        assertEquals(200, out.statusCode(), out.body());
        assertTrue(JSON.readTree(out.body()).get("logout_url").asText().startsWith(keycloak.issuer(REALM)));

        HttpResponse<String> replayed = withCookie("GET", "/v1/datasets", cookie, null, null);
        assertEquals(401, replayed.statusCode(), "a cookie replayed after sign-out is refused");
        assertEquals(200, withCookie("GET", "/v1/datasets", first, null, null).statusCode(), "other sessions live on");

        ApplianceProcess.Result audit = ApplianceProcess.run(lab.home, lab.config, lab.env, "audit", "export");
        assertTrue(audit.output().contains("\"auth.sign_in\""), audit.output());
        assertTrue(audit.output().contains("\"auth.sign_out\""), audit.output());
        assertFalse(lab.log().contains(cookie), "session ids never reach the log");
    }

    @Test
    void aBrowserSession_hasItsOwnHourlyBudget() throws Exception {
        String cookie = signIn();
        String other = signIn();
        int allowed = 0;
        HttpResponse<String> r;
        while ((r = withCookie("GET", "/v1/datasets", cookie, null, null)).statusCode() == 200) {
            allowed++;
            assertTrue(allowed <= SESSION_LIMIT, "the session's limit is not applied");
        }
        assertEquals(SESSION_LIMIT, allowed);
        assertEquals(429, r.statusCode(), r.body());
        assertTrue(r.body().contains("this browser session"), r.body());
        assertTrue(r.headers().firstValue("Retry-After").isPresent());
        assertEquals(
                String.valueOf(SESSION_LIMIT),
                r.headers().firstValue("X-RateLimit-Limit").orElse(""));
        assertEquals(200, withCookie("GET", "/v1/datasets", other, null, null).statusCode(), "per session");
    }
}
