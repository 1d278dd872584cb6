package com.strongroom.api;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.List;

/**
 * Cross-origin calls only from the origins in {@code server.cors-origins}; any other origin gets
 * no CORS headers, so browsers refuse to hand it the answer. Preflights are answered here.
 */
final class Cors implements Filter {
    private final List<String> origins;

    Cors(List<String> origins) {
        this.origins = origins;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String origin = req.headers().first(HeaderNames.ORIGIN).orElse(null);
        boolean allowed = origin != null && origins.contains(origin);
        if (allowed) {
            res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            res.header(HeaderNames.VARY, "Origin");
            res.header(
                    HeaderNames.create("Access-Control-Expose-Headers"),
                    "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After");
        }
        if (req.prologue().method() == Method.OPTIONS
                && req.headers().contains(HeaderNames.ACCESS_CONTROL_REQUEST_METHOD)) {
            if (allowed) {
                res.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, PATCH, DELETE");
                res.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization, Content-Type, Idempotency-Key");
                res.header(HeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
            }
            res.status(allowed ? Status.NO_CONTENT_204 : Status.FORBIDDEN_403).send();
            return;
        }
        chain.proceed();
    }
}
