package com.strongroom.api;

import com.strongroom.audit.AuditEvent;
import com.strongroom.audit.AuditLog;
import com.strongroom.auth.AccessPolicy;
import com.strongroom.auth.AccessRule;
import com.strongroom.auth.BrowserSessions;
import com.strongroom.auth.Principal;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Applies {@link AccessPolicy} to every /v1/ request before any handler runs: authenticates the
 * caller (401), checks role and scope (403), and leaves the caller in the request context for the
 * handler. Routes the policy does not know fall through to routing's own 404 or 405.
 */
final class AccessControl implements Filter {
    private final Authenticator authenticator;
    private final AuthFailures authFailures;
    private final AuditLog audit;
    private final BrowserSessions sessions;

    /** @param sessions signed-in browsers, or null when browser sign-in is off */
    AccessControl(Authenticator authenticator, AuthFailures authFailures, AuditLog audit, BrowserSessions sessions) {
        this.authenticator = authenticator;
        this.authFailures = authFailures;
        this.audit = audit;
        this.sessions = sessions;
    }

    /** A state-changing browser request must echo the session's CSRF token in X-CSRF-Token. */
    static boolean csrfMatches(ServerRequest req, BrowserSessions.Session s) {
        return req.headers()
                .first(HeaderNames.create("X-CSRF-Token"))
                .map(v -> MessageDigest.isEqual(
                        v.getBytes(StandardCharsets.UTF_8), s.csrfToken().getBytes(StandardCharsets.UTF_8)))
                .orElse(false);
    }

    /** The signed-in browser's caller, or null when the request carries no session cookie. */
    private Principal browser(RoutingRequest req, String method) {
        if (sessions == null || req.headers().contains(HeaderNames.AUTHORIZATION)) {
            return null;
        }
        Optional<String> id = SignInApi.cookie(req);
        if (id.isEmpty()) {
            return null;
        }
        BrowserSessions.Session s = sessions.find(id.get())
                .orElseThrow(() -> new ApiException(
                        Status.UNAUTHORIZED_401,
                        "not_signed_in",
                        "The session has ended; sign in again at /auth/login."));
        if (!method.equals("GET") && !method.equals("HEAD") && !csrfMatches(req, s)) {
            throw new ApiException(
                    Status.FORBIDDEN_403, "csrf_token_invalid", "Send the session's X-CSRF-Token with this request.");
        }
        return s.principal();
    }

    /** The caller the filter admitted; handlers of policy routes call this instead of checking again. */
    static Principal caller(ServerRequest req) {
        return req.context()
                .get(Principal.class)
                .orElseThrow(() -> new IllegalStateException("no access rule admitted this request: add "
                        + req.prologue().method().text() + " " + req.path().path() + " to AccessPolicy"));
    }

    /** Who presented a credential that failed is unknown: the entry names the address and what was tried. */
    private static AuditEvent failure(
            String action, String target, String address, RoutingResponse res, String detail) {
        return new AuditEvent(
                Instant.now(),
                "anonymous",
                null,
                action,
                target,
                address,
                AuditEvent.Outcome.FAILURE,
                RequestIds.of(res),
                detail);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        String method = req.prologue().method().text();
        if (!path.startsWith("/v1/") || AccessPolicy.isPublic(method, path)) {
            chain.proceed();
            return;
        }
        Optional<AccessRule> rule = AccessPolicy.ruleFor(method, path);
        if (rule.isEmpty()) {
            chain.proceed();
            return;
        }
        Principal principal;
        try {
            Principal signedIn = browser(req, method);
            principal = signedIn != null ? signedIn : authenticator.authenticate(req);
        } catch (ApiException e) {
            if (e.status().code() == 401 && req.headers().contains(HeaderNames.AUTHORIZATION)) {
                // a wrong key, not a client that forgot one: that is what guessing looks like
                String address = req.remotePeer().host();
                boolean blocked = authFailures.record(address);
                audit.record(failure("auth.failed", method + " " + path, address, res, e.code()));
                if (blocked) {
                    audit.record(
                            failure("auth.address_blocked", address, address, res, "too many invalid credentials"));
                }
            }
            Json.error(res, e.status(), e.code(), e.getMessage(), e.details());
            return;
        }
        AccessRule.Denial denial = rule.get().check(principal);
        if (denial == AccessRule.Denial.ROLE) {
            Json.error(
                    res,
                    Status.FORBIDDEN_403,
                    "insufficient_permissions",
                    "This action needs the " + rule.get().role().wireName() + " role or higher.",
                    Map.of("required_role", rule.get().role().wireName()));
            return;
        }
        if (denial == AccessRule.Denial.SCOPE) {
            String scope = rule.get().scope();
            Json.error(
                    res,
                    Status.FORBIDDEN_403,
                    "insufficient_scope",
                    scope.equals("*")
                            ? "This action needs an unrestricted credential (scope *)."
                            : "This API key lacks the scope " + scope + ".",
                    Map.of("required_scope", scope));
            return;
        }
        req.context().register(principal);
        chain.proceed();
    }
}
