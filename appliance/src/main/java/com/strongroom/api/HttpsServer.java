package com.strongroom.api;

import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The appliance's web server: the API on an HTTPS socket, plus an optional plain-HTTP socket that
 * only redirects to it, so nothing (cookies, API keys, documents) is ever served in the clear.
 */
public final class HttpsServer {
    /** Name of the plain-HTTP socket; read its port with {@code webServer.port(REDIRECT_SOCKET)}. */
    public static final String REDIRECT_SOCKET = "redirect";

    private HttpsServer() {}

    /**
     * @param host address to bind both sockets to; also the host name put in redirect URLs
     * @param httpsPort HTTPS port, 0 for any free port
     * @param httpPort redirecting HTTP port, 0 for any free port, negative for none
     * @param tls TLS for the HTTPS socket, e.g. {@link TlsMaterial#toTls()}
     */
    public record Settings(String host, int httpsPort, int httpPort, Tls tls) {
        public Settings {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(tls, "tls");
        }
    }

    /** Starts the server; the caller owns it and must {@link WebServer#stop()} it. */
    public static WebServer start(Settings settings, Consumer<HttpRouting.Builder> routing) {
        // With httpsPort 0 the real port is only known once the server has bound it, and both
        // sockets start together; the redirect handler reads it from here at request time.
        AtomicInteger httpsPort = new AtomicInteger(settings.httpsPort());
        var builder = WebServer.builder()
                .host(settings.host())
                .port(settings.httpsPort())
                .tls(settings.tls())
                .directHandlers(TransportErrors.handlers())
                .routing(routing);
        if (settings.httpPort() >= 0) {
            // The routing is set on the named listener itself; the server-level routing() above
            // only ever applies to the default socket.
            builder.putSocket(REDIRECT_SOCKET, socket -> socket.host(settings.host())
                    .port(settings.httpPort())
                    .routing(r -> r.any((req, res) -> redirect(req, res, settings.host(), httpsPort.get()))));
        }
        WebServer server = builder.build().start();
        httpsPort.set(server.port());
        return server;
    }

    private static void redirect(ServerRequest req, ServerResponse res, String host, int httpsPort) {
        if (httpsPort <= 0) {
            // Only in the instant between the sockets binding and start() returning.
            res.status(Status.SERVICE_UNAVAILABLE_503)
                    .header(HeaderNames.RETRY_AFTER, "1")
                    .send();
            return;
        }
        // The prologue holds the request target as the client sent it (still percent-encoded);
        // req.path() could be relative to a matched route.
        HttpPrologue prologue = req.prologue();
        String query = prologue.query().rawValue();
        String location = "https://" + hostForUrl(host) + ":" + httpsPort
                + prologue.uriPath().rawPath()
                + (query.isEmpty() ? "" : "?" + query);
        res.status(Status.PERMANENT_REDIRECT_308)
                .header(HeaderNames.LOCATION, location)
                .send();
    }

    private static String hostForUrl(String host) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
