package com.strongroom.api;

import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import java.util.function.Consumer;

/**
 * The HTTPS listener with the API, plus a plain-HTTP listener whose only job is to send every
 * request to the same path over HTTPS (308 keeps the method and body).
 */
public final class HttpsServer {
    public static final String REDIRECT_SOCKET = "redirect";

    /** {@code httpPort} < 0 means no redirect listener; port 0 picks a free port. */
    public record Settings(String host, int httpsPort, int httpPort, Tls tls) {}

    private HttpsServer() {}

    public static WebServer start(Settings settings, Consumer<HttpRouting.Builder> routing) {
        WebServerConfig.Builder builder = WebServer.builder()
                .host(settings.host())
                .port(settings.httpsPort())
                .tls(settings.tls())
                .routing(routing);
        int[] httpsPort = {settings.httpsPort()};
        if (settings.httpPort() >= 0) {
            builder.putSocket(REDIRECT_SOCKET, socket -> socket.host(settings.host())
                            .port(settings.httpPort()))
                    .routing(
                            REDIRECT_SOCKET,
                            r -> r.any((req, res) -> {
                                String query = req.query().rawValue();
                                String location = "https://" + hostForUrl(settings.host()) + ":" + httpsPort[0]
                                        + req.path().rawPath() + (query.isEmpty() ? "" : "?" + query);
                                res.status(Status.PERMANENT_REDIRECT_308)
                                        .header(HeaderNames.LOCATION, location)
                                        .send();
                            }));
        }
        WebServer server = builder.build().start();
        httpsPort[0] = server.port();
        return server;
    }

    private static String hostForUrl(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
