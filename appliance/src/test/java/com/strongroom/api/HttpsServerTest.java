package com.strongroom.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpsServerTest {
    private static final String HOST = "127.0.0.1";
    private static final List<String> NAMES = List.of("localhost", HOST);

    @TempDir
    static Path root;

    private static TlsMaterial material;
    private WebServer server;

    @BeforeAll
    static void createMaterial() {
        material = TlsMaterial.loadOrCreate(root.resolve("tls"), NAMES);
    }

    @BeforeEach
    void startServer() {
        server = HttpsServer.start(
                new HttpsServer.Settings(HOST, 0, 0, material.toTls()),
                routing -> routing.get("/hello", (req, res) -> res.send("hi")));
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void httpsClientTrustingTheCertificateGetsHelloOverTls13() throws Exception {
        HttpClient client = client(trusting(material.certificate()), null, HttpClient.Redirect.NEVER);
        HttpResponse<String> response = client.send(get(httpsUri("/hello")), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("hi", response.body());
        assertEquals("TLSv1.3", response.sslSession().orElseThrow().getProtocol());
    }

    @Test
    void tls12OnlyClientFailsTheHandshake() throws Exception {
        SSLParameters tls12 = new SSLParameters();
        tls12.setProtocols(new String[] {"TLSv1.2"});
        HttpClient client = client(trusting(material.certificate()), tls12, HttpClient.Redirect.NEVER);
        assertThrows(
                SSLHandshakeException.class,
                () -> client.send(get(httpsUri("/hello")), HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void plainHttpAnswers308ToTheSamePathAndQueryOverHttps() throws Exception {
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        int httpPort = server.port(HttpsServer.REDIRECT_SOCKET);
        assertTrue(httpPort > 0 && httpPort != server.port());

        HttpResponse<String> get = client.send(
                get(URI.create("http://" + HOST + ":" + httpPort + "/hello?x=1")),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(308, get.statusCode());
        assertEquals(
                "https://" + HOST + ":" + server.port() + "/hello?x=1",
                get.headers().firstValue("Location").orElseThrow());
        assertEquals("", get.body());

        // Any method and any path, including ones the HTTPS routing does not know; 308 keeps the method.
        HttpResponse<String> post = client.send(
                HttpRequest.newBuilder(URI.create("http://" + HOST + ":" + httpPort + "/v1/a%20b"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(308, post.statusCode());
        assertEquals(
                "https://" + HOST + ":" + server.port() + "/v1/a%20b",
                post.headers().firstValue("Location").orElseThrow());
    }

    @Test
    void followingTheRedirectEndsOnTheHttpsRoute() throws Exception {
        HttpClient client = client(trusting(material.certificate()), null, HttpClient.Redirect.NORMAL);
        HttpResponse<String> response = client.send(
                get(URI.create("http://" + HOST + ":" + server.port(HttpsServer.REDIRECT_SOCKET) + "/hello")),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("hi", response.body());
        assertEquals(httpsUri("/hello"), response.uri());
    }

    @Test
    void negativeHttpPortMeansNoRedirectSocket() {
        WebServer httpsOnly = HttpsServer.start(new HttpsServer.Settings(HOST, 0, -1, material.toTls()), routing -> {});
        try {
            assertTrue(httpsOnly.port() > 0);
            assertEquals(-1, httpsOnly.port(HttpsServer.REDIRECT_SOCKET));
        } finally {
            httpsOnly.stop();
        }
    }

    private URI httpsUri(String path) {
        return URI.create("https://" + HOST + ":" + server.port() + path);
    }

    private static HttpRequest get(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build();
    }

    private static HttpClient client(SSLContext ssl, SSLParameters params, HttpClient.Redirect redirect) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(ssl)
                .followRedirects(redirect)
                .connectTimeout(Duration.ofSeconds(5));
        if (params != null) {
            builder.sslParameters(params);
        }
        return builder.build();
    }

    private static SSLContext trusting(X509Certificate cert) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("strongroom", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }
}
