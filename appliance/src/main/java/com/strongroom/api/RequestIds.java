package com.strongroom.api;

import com.strongroom.auth.Ids;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerResponse;

/** Every answer carries X-Request-Id, so a client's report can be matched to logs and audit. */
public final class RequestIds implements Filter {
    public static final HeaderName HEADER = HeaderNames.create("X-Request-Id");

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        res.header(HEADER, Ids.create("req"));
        chain.proceed();
    }

    static String of(ServerResponse res) {
        return res.headers().first(HEADER).orElse(null);
    }
}
