package com.strongroom.ui;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The browser UI: a fixed set of files from the jar (listed in ui/manifest.txt), loaded once at
 * start. Every asset is served by the appliance itself (it runs in a private network without a
 * CDN) under a CSP that allows scripts, styles and connections from this origin only: no inline
 * script or style, no eval, no framing.
 */
public final class UiService implements HttpService {
    public static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private record Asset(byte[] body, String contentType) {}

    private final Map<String, Asset> assets;

    public UiService() {
        this.assets = load();
    }

    private static Map<String, Asset> load() {
        Map<String, Asset> loaded = new HashMap<>();
        for (String line : new String(resource("manifest.txt"), StandardCharsets.UTF_8).split("\n")) {
            String name = line.strip();
            if (!name.isEmpty() && !name.startsWith("#")) {
                loaded.put(name, new Asset(resource(name), contentType(name)));
            }
        }
        return Map.copyOf(loaded);
    }

    private static byte[] resource(String name) {
        try (InputStream in = UiService.class.getResourceAsStream("/ui/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the UI file ui/" + name + " is missing from the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (name.endsWith(".svg")) {
            return "image/svg+xml";
        }
        throw new IllegalStateException("no content type for ui/" + name);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", (req, res) -> send(res, "index.html"))
                .get(
                        "/ui/{+path}",
                        (req, res) -> send(res, req.path().pathParameters().get("path")));
    }

    private void send(ServerResponse res, String name) {
        Asset asset = assets.get(name);
        if (asset == null) {
            res.status(Status.NOT_FOUND_404).send();
            return;
        }
        res.header(HeaderNames.create("Content-Security-Policy"), CSP);
        res.headers().contentType(HttpMediaType.create(asset.contentType()));
        res.send(asset.body());
    }
}
