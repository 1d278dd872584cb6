package com.strongroom.api;

import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import java.util.List;
import java.util.Map;

/** {@code limit} (default 20, max 100) and {@code offset} of a list request. */
record Paging(int limit, int offset) {
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 100;

    static Paging of(ServerRequest req) {
        int limit = param(req, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        int offset = param(req, "offset", 0, 0, Integer.MAX_VALUE);
        return new Paging(limit, offset);
    }

    static int param(ServerRequest req, String name, int fallback, int min, int max) {
        String raw = req.query().first(name).orElse(null);
        if (raw == null || raw.isEmpty()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiException(
                Status.UNPROCESSABLE_CONTENT_422,
                "validation_error",
                name + " must be an integer in " + min + ".." + max + ".",
                List.of(Map.of("field", name, "message", "must be an integer in " + min + ".." + max)));
    }
}
