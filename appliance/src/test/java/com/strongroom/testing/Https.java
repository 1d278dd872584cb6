package com.strongroom.testing;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/** An HTTPS client that trusts exactly the appliance's certificate, with host name checks on. */
public final class Https {
    private final HttpClient client;
    private final SSLContext ssl;
    private final String base;

    public Https(Path certificatePem, int port) throws Exception {
        X509Certificate cert;
        try (InputStream in = Files.newInputStream(certificatePem)) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("strongroom", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        this.ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        SSLParameters params = new SSLParameters();
        params.setProtocols(new String[] {"TLSv1.3"});
        this.client = HttpClient.newBuilder()
                .sslContext(ssl)
                .sslParameters(params)
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.base = "https://127.0.0.1:" + port;
    }

    /** Trusts exactly the appliance's certificate: for other clients of the same server (e.g. the MCP SDK). */
    public SSLContext sslContext() {
        return ssl;
    }

    public HttpClient client() {
        return client;
    }

    public HttpResponse<String> get(String path, String apiKey) throws Exception {
        HttpRequest.Builder req =
                HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        if (apiKey != null) {
            req.header("Authorization", "Bearer " + apiKey);
        }
        return client.send(req.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String path, String apiKey, String json) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (apiKey != null) {
            req.header("Authorization", "Bearer " + apiKey);
        }
        return client.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Any method with an optional body of the given content type. */
    public HttpResponse<String> send(String method, String path, String apiKey, String contentType, byte[] body)
            throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            req.header("Content-Type", contentType);
        }
        if (apiKey != null) {
            req.header("Authorization", "Bearer " + apiKey);
        }
        return client.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> sendWithHeader(
            String method, String path, String apiKey, byte[] json, String header, String value) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header(header, value)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(json));
        if (apiKey != null) {
            req.header("Authorization", "Bearer " + apiKey);
        }
        return client.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A CORS preflight as a browser sends it. */
    public HttpResponse<String> preflight(String path, String origin, String method) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(10))
                .header("Origin", origin)
                .header("Access-Control-Request-Method", method)
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .build();
        return client.send(req, HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> getFrom(String path, String apiKey, String origin) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(10))
                .header("Origin", origin)
                .header("Authorization", "Bearer " + apiKey)
                .GET()
                .build();
        return client.send(req, HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> patch(String path, String apiKey, String json) throws Exception {
        return send("PATCH", path, apiKey, "application/json", json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public HttpResponse<String> delete(String path, String apiKey) throws Exception {
        return send("DELETE", path, apiKey, null, null);
    }

    /** A multipart/form-data upload of one file and optional metadata JSON. */
    public HttpResponse<String> upload(
            String path, String apiKey, String filename, String fileType, byte[] file, String metadataJson)
            throws Exception {
        String boundary = "----strongroom" + System.nanoTime();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.nio.charset.Charset ascii = java.nio.charset.StandardCharsets.UTF_8;
        out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                        + "\"\r\nContent-Type: " + fileType + "\r\n\r\n")
                .getBytes(ascii));
        out.write(file);
        if (metadataJson != null) {
            out.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
                            + "Content-Type: application/json\r\n\r\n" + metadataJson)
                    .getBytes(ascii));
        }
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(ascii));
        return send("POST", path, apiKey, "multipart/form-data; boundary=" + boundary, out.toByteArray());
    }

    /** Polls until {@code path} answers {@code status} (connection errors count as "not yet"). */
    public int awaitStatus(String path, String apiKey, int status, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            try {
                last = get(path, apiKey).statusCode();
                if (last == status) {
                    return last;
                }
            } catch (java.io.IOException e) {
                last = -1;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(path + " did not answer " + status + " within " + within + " (last: " + last + ")");
    }

    /** Polls a document until it is ready; fails at once if it failed, or after two minutes. */
    public void awaitDocumentReady(String datasetId, String documentId, String apiKey) throws Exception {
        String path = "/v1/datasets/" + datasetId + "/documents/" + documentId;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            HttpResponse<String> r = get(path, apiKey);
            String body = r.body();
            if (r.statusCode() != 200 || body.contains("\"status\":\"failed\"")) {
                throw new AssertionError("document " + documentId + ": " + r.statusCode() + " " + body);
            }
            if (body.contains("\"status\":\"ready\"")) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("document " + documentId + " not ready within 120 s: " + body);
            }
            Thread.sleep(100);
        }
    }
}
