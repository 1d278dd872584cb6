package com.strongroom.api;

import com.strongroom.auth.ApiKeys;
import com.strongroom.auth.Principal;
import com.strongroom.auth.Role;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import java.sql.SQLException;

/** Resolves the caller from `Authorization: Bearer sr_…` and checks roles. */
public final class Authenticator {
    private final ApiKeys apiKeys;

    public Authenticator(ApiKeys apiKeys) {
        this.apiKeys = apiKeys;
    }

    public Principal authenticate(ServerRequest req) {
        String header = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiException(
                    Status.UNAUTHORIZED_401,
                    "invalid_api_key",
                    "Send an API key as 'Authorization: Bearer sr_live_…'.");
        }
        try {
            return apiKeys.authenticate(header.substring(7).trim())
                    .orElseThrow(() -> new ApiException(
                            Status.UNAUTHORIZED_401, "invalid_api_key", "The API key is unknown, revoked or expired."));
        } catch (SQLException e) {
            throw new IllegalStateException("API key lookup failed", e);
        }
    }

    public Principal require(ServerRequest req, Role role) {
        Principal principal = authenticate(req);
        if (!principal.role().atLeast(role)) {
            throw new ApiException(
                    Status.FORBIDDEN_403,
                    "insufficient_permissions",
                    "This action needs the " + role.wireName() + " role or higher.");
        }
        return principal;
    }

    /** The caller, who must hold {@code role} (or higher) and {@code scope} (or the "*" scope). */
    public Principal require(ServerRequest req, Role role, String scope) {
        Principal principal = require(req, role);
        if (!principal.scopes().contains("*") && !principal.scopes().contains(scope)) {
            throw new ApiException(
                    Status.FORBIDDEN_403,
                    "insufficient_scope",
                    "This API key lacks the scope " + scope + ".",
                    java.util.Map.of("required_scope", scope));
        }
        return principal;
    }

    static String source(ServerRequest req) {
        return req.remotePeer().host();
    }
}
