package com.strongroom.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.config.StrongroomConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The browser's side of OIDC against the customer's Keycloak: authorization code with PKCE (S256)
 * and a one-time state, never the implicit flow. The code is exchanged for tokens here, on the
 * server; the browser only ever holds the session cookie.
 */
public final class OidcSignIn {
    public static final Duration PENDING = Duration.ofMinutes(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the callback gets back: the tokens of the signed-in user. */
    public record Tokens(String accessToken, String idToken) {}

    /** A sign-in the callback refused; the message is safe to show. */
    public static final class SignInFailed extends Exception {
        public SignInFailed(String message) {
            super(message);
        }
    }

    /** More sign-ins are in progress than oauth.max-pending-sign-ins allows; try again later. */
    public static final class SignInBusy extends Exception {
        public SignInBusy() {
            super("Too many sign-ins are in progress; try again in a few minutes.");
        }
    }

    /** Where the browser goes, and the secret its pre-auth cookie must carry back to the callback. */
    public record Start(URI authorizationUrl, String browserBinding) {}

    /** @param browser the value of the pre-auth cookie set on the browser that started the sign-in */
    private record Pending(String verifier, String browser, Instant expires) {}

    private final StrongroomConfig.OAuth config;
    private final String base;
    private final HttpClient http;
    private final Clock clock;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final int maxPending;

    public OidcSignIn(StrongroomConfig.OAuth config, Clock clock) {
        this.config = config;
        this.base = config.issuer().toString().replaceAll("/+$", "") + "/protocol/openid-connect";
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.clock = clock;
        this.maxPending = config.maxPendingSignIns();
    }

    /**
     * Where to send the browser to sign in; remembers the state, the PKCE verifier and the browser
     * binding for the callback. At most {@code oauth.max-pending-sign-ins} are remembered: beyond
     * that, unfinished sign-ins are not evicted (that would let anyone cancel others' sign-ins)
     * but new ones are refused until some finish or expire.
     */
    public synchronized Start start() throws SignInBusy {
        Instant now = clock.instant();
        if (pending.size() >= maxPending) {
            pending.values().removeIf(p -> p.expires().isBefore(now));
            if (pending.size() >= maxPending) {
                throw new SignInBusy();
            }
        }
        String state = BrowserSessions.random();
        String verifier = BrowserSessions.random();
        String browser = BrowserSessions.random();
        pending.put(state, new Pending(verifier, browser, now.plus(PENDING)));
        Map<String, String> q = new LinkedHashMap<>();
        q.put("response_type", "code");
        q.put("client_id", config.browserClientId());
        q.put("redirect_uri", config.redirectUri().toString());
        q.put("scope", "openid " + String.join(" ", Scopes.KNOWN));
        q.put("state", state);
        q.put("code_challenge", challenge(verifier));
        q.put("code_challenge_method", "S256");
        return new Start(URI.create(base + "/auth?" + form(q)), browser);
    }

    /**
     * Exchanges the callback's code; the state must be one this appliance issued, unused and
     * fresh, and {@code browser} (the pre-auth cookie) the one set on the browser that asked for
     * it. Without that binding, anyone could start a sign-in as themselves and send the link's
     * callback to a victim, who would then work signed in as the attacker (login CSRF).
     */
    public Tokens complete(String code, String state, String browser)
            throws SignInFailed, IOException, InterruptedException {
        Pending p = state == null ? null : pending.get(state);
        if (p == null || p.expires().isBefore(clock.instant())) {
            throw new SignInFailed("This sign-in link is unknown, used or expired; sign in again.");
        }
        // checked before the state is used up, so a lured browser cannot spoil the real one's sign-in
        if (browser == null
                || !MessageDigest.isEqual(
                        p.browser().getBytes(StandardCharsets.US_ASCII), browser.getBytes(StandardCharsets.US_ASCII))) {
            throw new SignInFailed("This sign-in was not started in this browser; sign in again.");
        }
        if (!pending.remove(state, p)) {
            throw new SignInFailed("This sign-in link is unknown, used or expired; sign in again.");
        }
        if (code == null || code.isBlank()) {
            throw new SignInFailed("The sign-in service returned no authorization code.");
        }
        Map<String, String> body = new LinkedHashMap<>();
        body.put("grant_type", "authorization_code");
        body.put("code", code);
        body.put("redirect_uri", config.redirectUri().toString());
        body.put("client_id", config.browserClientId());
        body.put("code_verifier", p.verifier());
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(base + "/token"))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form(body)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new SignInFailed("The sign-in service refused the authorization code (HTTP " + r.statusCode() + ").");
        }
        JsonNode tokens = JSON.readTree(r.body());
        return new Tokens(
                tokens.path("access_token").asText(null),
                tokens.path("id_token").asText(null));
    }

    /** Where to send the browser to end its Keycloak session too. */
    /** The appliance's start page, where Keycloak sends the browser after sign-out. */
    public URI startPage() {
        return config.redirectUri().resolve("/");
    }

    public URI logoutUrl(String idToken, Optional<URI> afterwards) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("client_id", config.browserClientId());
        if (idToken != null) {
            q.put("id_token_hint", idToken);
        }
        afterwards.ifPresent(u -> q.put("post_logout_redirect_uri", u.toString()));
        return URI.create(base + "/logout?" + form(q));
    }

    static String challenge(String verifier) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String form(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
