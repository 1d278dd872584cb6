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
        SSLContext ssl = SSLContext.getInstance("TLS");
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
}
