package com.strongroom.api;

import com.strongroom.auth.ApiKeys;
import com.strongroom.auth.Principal;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import java.sql.SQLException;

/** Resolves the caller from `Authorization: Bearer sr_…`; {@link AccessControl} decides what it may do. */
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

    static String source(ServerRequest req) {
        return req.remotePeer().host();
    }
}
