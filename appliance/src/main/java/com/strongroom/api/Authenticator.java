package com.strongroom.api;

import com.strongroom.auth.AccessTokens;
import com.strongroom.auth.ApiKeys;
import com.strongroom.auth.Principal;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import java.sql.SQLException;

/**
 * Resolves the caller from `Authorization: Bearer …`: an API key (`sr_…`), or an access token
 * from the customer's Keycloak when OAuth is configured. {@link AccessControl} decides what it may do.
 */
public final class Authenticator {
    private final ApiKeys apiKeys;
    private final AccessTokens tokens;

    /** @param tokens null when only API keys are accepted */
    public Authenticator(ApiKeys apiKeys, AccessTokens tokens) {
        this.apiKeys = apiKeys;
        this.tokens = tokens;
    }

    public Principal authenticate(ServerRequest req) {
        String bearer = bearer(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
        if (bearer == null) {
            throw new ApiException(
                    Status.UNAUTHORIZED_401,
                    "invalid_api_key",
                    "Send an API key as 'Authorization: Bearer sr_live_…'"
                            + (tokens == null ? "." : " or an access token from the sign-in service."));
        }
        try {
            if (tokens != null && AccessTokens.looksLikeToken(bearer)) {
                return tokens.authenticate(bearer)
                        .orElseThrow(() -> new ApiException(
                                Status.UNAUTHORIZED_401,
                                "invalid_token",
                                "The access token is invalid, expired, or not meant for this appliance."));
            }
            return apiKeys.authenticate(bearer)
                    .orElseThrow(() -> new ApiException(
                            Status.UNAUTHORIZED_401, "invalid_api_key", "The API key is unknown, revoked or expired."));
        } catch (AccessTokens.NoRoleException e) {
            throw new ApiException(Status.FORBIDDEN_403, "insufficient_permissions", e.getMessage());
        } catch (SQLException e) {
            throw new IllegalStateException("credential lookup failed", e);
        }
    }

    /**
     * The credential in an {@code Authorization} header, however the scheme is cased and spaced,
     * or null when it is not {@code Bearer}. The one reading of the header, so that everything
     * keyed by the credential (rate limits) sees the same caller the authentication does.
     */
    static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String credential = header.substring(7).trim();
        return credential.isEmpty() ? null : credential;
    }

    static String source(ServerRequest req) {
        return req.remotePeer().host();
    }
}
