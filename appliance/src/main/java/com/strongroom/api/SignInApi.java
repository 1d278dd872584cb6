package com.strongroom.api;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.strongroom.audit.AuditEvent;
import com.strongroom.audit.AuditLog;
import com.strongroom.auth.AccessTokens;
import com.strongroom.auth.BrowserSessions;
import com.strongroom.auth.Members;
import com.strongroom.auth.OidcSignIn;
import com.strongroom.auth.Principal;
import com.strongroom.auth.Scopes;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * /auth: browser sign-in through Keycloak (which brokers the corporate SAML IdP). {@code login}
 * sends the browser to Keycloak with PKCE and sets a short-lived pre-auth cookie the state is bound
 * to; {@code callback} (refused without that cookie) exchanges the code, checks the access
 * token like any other, and starts a session with a fresh id in a {@code __Host-} cookie
 * (HttpOnly, Secure, SameSite=Lax); {@code session} tells the page who is signed in and its CSRF
 * token; {@code logout} ends the session here and at Keycloak.
 */
final class SignInApi implements HttpService {
    static final String COOKIE = "__Host-strongroom-session";
    /** Set by /auth/login, needed by /auth/callback: binds the OAuth state to this browser. */
    static final String SIGN_IN_COOKIE = "__Host-strongroom-sign-in";

    private final OidcSignIn signIn;
    private final AccessTokens tokens;
    private final BrowserSessions sessions;
    private final AuditLog audit;
    private final Members members;

    SignInApi(OidcSignIn signIn, AccessTokens tokens, BrowserSessions sessions, AuditLog audit, Members members) {
        this.signIn = signIn;
        this.tokens = tokens;
        this.sessions = sessions;
        this.audit = audit;
        this.members = members;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/login", this::login)
                .get("/callback", this::callback)
                .get("/session", this::session)
                .post("/logout", this::logout);
    }

    static Optional<String> cookie(ServerRequest req) {
        return cookie(req, COOKIE);
    }

    private static Optional<String> cookie(ServerRequest req, String name) {
        return req.headers().first(HeaderNames.COOKIE).flatMap(header -> {
            for (String part : header.split(";")) {
                String p = part.strip();
                if (p.startsWith(name + "=")) {
                    return Optional.of(p.substring(name.length() + 1));
                }
            }
            return Optional.empty();
        });
    }

    /** Browser sign-in is off unless oauth.issuer and oauth.redirect-uri are configured. */
    private void requireConfigured() {
        if (signIn == null) {
            throw ApiException.notFound(
                    "sign_in_not_configured", "Browser sign-in is not configured (oauth.issuer, oauth.redirect-uri).");
        }
    }

    private void login(ServerRequest req, ServerResponse res) {
        requireConfigured();
        OidcSignIn.Start start;
        try {
            start = signIn.start();
        } catch (OidcSignIn.SignInBusy e) {
            res.header(HeaderNames.RETRY_AFTER, "60");
            throw new ApiException(Status.SERVICE_UNAVAILABLE_503, "sign_in_busy", e.getMessage());
        }
        // Lax: the callback is a top-level navigation back from Keycloak, which Lax cookies follow
        res.header(
                HeaderNames.SET_COOKIE,
                SIGN_IN_COOKIE + "=" + start.browserBinding() + "; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age="
                        + OidcSignIn.PENDING.toSeconds());
        res.status(Status.FOUND_302)
                .header(HeaderNames.LOCATION, start.authorizationUrl().toString())
                .send();
    }

    private void callback(ServerRequest req, ServerResponse res)
            throws SQLException, IOException, InterruptedException {
        requireConfigured();
        String source = Authenticator.source(req);
        Optional<String> error = req.query().first("error").asOptional();
        OidcSignIn.Tokens t;
        try {
            if (error.isPresent()) {
                throw new OidcSignIn.SignInFailed("The sign-in service reported: " + error.get() + ".");
            }
            t = signIn.complete(
                    req.query().first("code").orElse(null),
                    req.query().first("state").orElse(null),
                    cookie(req, SIGN_IN_COOKIE).orElse(null));
        } catch (OidcSignIn.SignInFailed e) {
            record(res, "anonymous", null, "auth.sign_in", source, AuditEvent.Outcome.FAILURE, e.getMessage());
            throw new ApiException(Status.BAD_REQUEST_400, "sign_in_failed", e.getMessage());
        }
        Principal p;
        try {
            p = tokens.authenticate(t.accessToken() == null ? "" : t.accessToken())
                    .orElseThrow(() -> new ApiException(
                            Status.UNAUTHORIZED_401, "invalid_token", "The sign-in service issued an unusable token."));
        } catch (AccessTokens.NoRoleException e) {
            record(res, "anonymous", null, "auth.sign_in", source, AuditEvent.Outcome.DENIED, "no Strongroom role");
            throw new ApiException(Status.FORBIDDEN_403, "insufficient_permissions", e.getMessage());
        }
        // A person in a browser acts with everything their role allows; scopes limit API credentials.
        Principal person = new Principal(p.actorId(), p.organizationId(), p.role(), Set.of(Scopes.ALL));
        Person who = Person.of(t.idToken());
        members.signedIn(person, who.name(), who.email());
        BrowserSessions.Session s = sessions.create(person, t.idToken());
        record(
                res,
                p.actorId(),
                p.organizationId(),
                "auth.sign_in",
                source,
                AuditEvent.Outcome.SUCCESS,
                "role " + p.role().wireName());
        res.header(HeaderNames.SET_COOKIE, COOKIE + "=" + s.id() + "; Path=/; Secure; HttpOnly; SameSite=Lax");
        res.headers()
                .add(HeaderNames.SET_COOKIE, SIGN_IN_COOKIE + "=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0");
        res.status(Status.SEE_OTHER_303).header(HeaderNames.LOCATION, "/").send();
    }

    private void session(ServerRequest req, ServerResponse res) {
        requireConfigured();
        BrowserSessions.Session s = cookie(req)
                .flatMap(sessions::find)
                .orElseThrow(() ->
                        new ApiException(Status.UNAUTHORIZED_401, "not_signed_in", "Not signed in; open /auth/login."));
        Map<String, Object> body = new LinkedHashMap<>();
        Person who = Person.of(s.idToken());
        body.put("user", s.principal().actorId());
        body.put("name", who.name());
        body.put("email", who.email());
        body.put("organization_id", s.principal().organizationId());
        body.put("role", s.principal().role().wireName());
        body.put("scopes", s.principal().scopes().stream().sorted().toList());
        body.put("csrf_token", s.csrfToken());
        body.put("signed_in_at", s.created().toString());
        Json.send(res, Status.OK_200, body);
    }

    private void logout(ServerRequest req, ServerResponse res) {
        requireConfigured();
        BrowserSessions.Session s = cookie(req)
                .flatMap(sessions::find)
                .orElseThrow(() -> new ApiException(Status.UNAUTHORIZED_401, "not_signed_in", "Not signed in."));
        if (!AccessControl.csrfMatches(req, s)) {
            throw new ApiException(Status.FORBIDDEN_403, "csrf_token_invalid", "Send the session's X-CSRF-Token.");
        }
        sessions.end(s.id());
        record(
                res,
                s.principal().actorId(),
                s.principal().organizationId(),
                "auth.sign_out",
                Authenticator.source(req),
                AuditEvent.Outcome.SUCCESS,
                null);
        res.header(HeaderNames.SET_COOKIE, COOKIE + "=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0");
        Json.send(
                res,
                Status.OK_200,
                Map.of(
                        "signed_out",
                        true,
                        "logout_url",
                        signIn.logoutUrl(s.idToken(), Optional.of(signIn.startPage()))
                                .toString()));
    }

    /** Display name and email from the ID token Keycloak handed over the back channel, for display. */
    private record Person(String name, String email) {
        static Person of(String idToken) {
            if (idToken == null) {
                return new Person(null, null);
            }
            try {
                JWTClaimsSet claims = JWTParser.parse(idToken).getJWTClaimsSet();
                String name = claims.getStringClaim("name");
                if (name == null || name.isBlank()) {
                    name = claims.getStringClaim("preferred_username");
                }
                return new Person(name, claims.getStringClaim("email"));
            } catch (java.text.ParseException e) {
                return new Person(null, null);
            }
        }
    }

    private void record(
            ServerResponse res,
            String actor,
            String organization,
            String action,
            String source,
            AuditEvent.Outcome outcome,
            String detail) {
        audit.record(new AuditEvent(
                Instant.now(), actor, organization, action, "browser", source, outcome, RequestIds.of(res), detail));
    }
}
