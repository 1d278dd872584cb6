package com.strongroom.api;

import com.strongroom.auth.Ids;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * What the server answers when a request fails before it reaches the routing (a URI too long,
 * headers too large, a malformed request line, a body over the transport's limit): the same error
 * shape as every other answer, with the status that says what went wrong, instead of Helidon's
 * bare status line. The message is ours, never the server's text about the request, which could
 * quote what the client sent.
 */
final class TransportErrors implements DirectHandler {
    private static final Logger LOG = Logger.getLogger(TransportErrors.class.getName());

    static DirectHandlers handlers() {
        TransportErrors handler = new TransportErrors();
        DirectHandlers.Builder b = DirectHandlers.builder();
        for (EventType type : EventType.values()) {
            b.addHandler(type, handler);
        }
        return b.build();
    }

    @Override
    public TransportResponse handle(
            TransportRequest request,
            EventType eventType,
            Status status,
            ServerResponseHeaders headers,
            String message) {
        String id = Ids.create("req");
        LOG.fine(() -> "request " + id + " refused before routing: " + status.code() + " (" + eventType + ")");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code(status));
        body.put("message", message(status));
        body.put("details", null);
        body.put("request_id", id);
        headers.set(HeaderNames.CONTENT_TYPE, "application/json");
        headers.set(HeaderNames.CACHE_CONTROL, "no-store");
        headers.set(HeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        headers.set(RequestIds.HEADER, id);
        return TransportResponse.builder()
                .status(status)
                .headers(headers)
                .entity(Json.write(body))
                .keepAlive(false) // the connection's state after a broken request is not to be trusted
                .build();
    }

    private static String code(Status s) {
        return switch (s.code()) {
            case 413 -> "request_too_large";
            case 414 -> "uri_too_long";
            case 431 -> "headers_too_large";
            case 403 -> "forbidden";
            case 505 -> "http_version_not_supported";
            case 500 -> "internal_error";
            default -> "bad_request";
        };
    }

    private static String message(Status s) {
        return switch (s.code()) {
            case 413 -> "The request body is larger than this server accepts.";
            case 414 -> "The request URI is longer than this server accepts.";
            case 431 -> "The request headers are larger than this server accepts.";
            case 403 -> "The request was refused.";
            case 505 -> "Only HTTP/1.1 and HTTP/2 are served.";
            case 500 -> "Something went wrong on our side; quote the request id to your administrator.";
            // Helidon 4.3 reports headers over its limit (16 KiB) as this 400 too, without saying so.
            default ->
                "The request is malformed: a bad request line or header, or headers larger than this"
                        + " server accepts (16 KiB).";
        };
    }
}
