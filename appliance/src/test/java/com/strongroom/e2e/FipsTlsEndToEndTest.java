package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appliance with {@code server.tls-profile: fips}: the whole API works over it, from BC-FIPS
 * JSSE (the log names the provider in FIPS mode), and a client that offers only a suite or a group
 * outside AES-GCM over P-256/P-384 gets no connection.
 */
class FipsTlsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static LabAppliance lab;
    private static Https https;

    @BeforeAll
    static void start() throws Exception {
        lab = LabAppliance.start(dir, "server:\n  tls-profile: fips\n");
        https = lab.https();
    }

    @AfterAll
    static void stop() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void theApiWorksOverAesGcm_servedByBcFipsJsse() throws Exception {
        String owner = lab.ownerKey();
        HttpResponse<String> created = https.post("/v1/datasets", owner, "{\"name\":\"Fips\"}");
        assertEquals(201, created.statusCode(), created.body());
        String ds = JSON.readTree(created.body()).get("id").asText();
        HttpResponse<String> upload = https.upload(
                "/v1/datasets/" + ds + "/documents",
                owner,
                "memo.txt",
                "text/plain",
                "The vault code word is heliotrope.".getBytes(StandardCharsets.UTF_8),
                null);
        assertEquals(202, upload.statusCode(), upload.body());
        https.awaitDocumentReady(ds, JSON.readTree(upload.body()).get("id").asText(), owner);
        HttpResponse<String> found =
                https.post("/v1/datasets/" + ds + "/query", owner, "{\"query\":\"vault code word\"}");
        assertEquals(200, found.statusCode(), found.body());
        JsonNode results = JSON.readTree(found.body()).path("results");
        assertTrue(results.size() > 0 && results.get(0).toString().contains("heliotrope"), found.body());

        String suite = found.sslSession().orElseThrow().getCipherSuite();
        assertTrue(Set.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256").contains(suite), suite);
        String log = lab.log();
        assertTrue(log.contains("TLS profile fips: BCJSSE"), log);
        assertTrue(log.contains("(FIPS mode) over BCFIPS"), log);
    }

    @Test
    void aClientOfferingOnlyChaCha20OrX25519_isRefused() throws Exception {
        assertThrows(SSLHandshakeException.class, () -> handshake("TLS_CHACHA20_POLY1305_SHA256", null));
        assertThrows(SSLHandshakeException.class, () -> handshake(null, "x25519"));
        handshake(null, "secp384r1"); // the same client, with an allowed group, gets in
    }

    private static void handshake(String suite, String group) throws Exception {
        try (SSLSocket socket =
                (SSLSocket) https.sslContext().getSocketFactory().createSocket("127.0.0.1", lab.httpsPort)) {
            socket.setSoTimeout(10_000);
            SSLParameters params = socket.getSSLParameters();
            params.setProtocols(new String[] {"TLSv1.3"});
            if (suite != null) {
                params.setCipherSuites(new String[] {suite});
            }
            if (group != null) {
                params.setNamedGroups(new String[] {group});
            }
            socket.setSSLParameters(params);
            socket.startHandshake();
        }
    }
}
