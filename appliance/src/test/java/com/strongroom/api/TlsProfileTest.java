package com.strongroom.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.crypto.TlsProfile;
import io.helidon.webserver.WebServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What each TLS profile lets a client negotiate, tried with the JDK's own client offering one
 * suite or one group at a time: the standard profile takes what TLS 1.3 allows, the FIPS profile
 * only AES-GCM over P-256/P-384, and both refuse TLS 1.2.
 */
class TlsProfileTest {
    private static final String HOST = "127.0.0.1";

    @TempDir
    static Path root;

    private static TlsMaterial material;
    private static WebServer standard;
    private static WebServer fips;

    @BeforeAll
    static void start() {
        material = TlsMaterial.loadOrCreate(root.resolve("tls"), List.of("localhost", HOST));
        standard = serve(TlsProfile.STANDARD);
        fips = serve(TlsProfile.FIPS);
    }

    @AfterAll
    static void stop() {
        for (WebServer s : new WebServer[] {standard, fips}) {
            if (s != null) {
                s.stop();
            }
        }
    }

    private static WebServer serve(TlsProfile profile) {
        return HttpsServer.start(
                new HttpsServer.Settings(HOST, 0, -1, material.toTls(profile)),
                routing -> routing.get("/hello", (req, res) -> res.send("hi")));
    }

    @Test
    void fipsProfile_negotiatesAesGcmOverANistCurve_andStillServesHttp() throws Exception {
        SSLSession session = handshake(fips, null, null);
        assertEquals("TLSv1.3", session.getProtocol());
        assertTrue(
                Set.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256").contains(session.getCipherSuite()),
                session.getCipherSuite());
        // The server's preference wins: the 256-bit suite although the JDK client lists 128 first.
        assertEquals("TLS_AES_256_GCM_SHA384", session.getCipherSuite());
        for (String group : List.of("secp256r1", "secp384r1")) {
            assertEquals("TLSv1.3", handshake(fips, null, group).getProtocol(), group);
        }
        assertEquals(
                "TLS_AES_128_GCM_SHA256",
                handshake(fips, "TLS_AES_128_GCM_SHA256", null).getCipherSuite());
        assertTrue(get(fips).startsWith("HTTP/1.1 200"), "an HTTP request over the FIPS socket is answered");
    }

    @Test
    void fipsProfile_refusesChaCha20_andNonNistGroups() {
        assertThrows(SSLHandshakeException.class, () -> handshake(fips, "TLS_CHACHA20_POLY1305_SHA256", null));
        for (String group : List.of("x25519", "x448", "ffdhe2048", "secp521r1")) {
            assertThrows(SSLHandshakeException.class, () -> handshake(fips, null, group), group);
        }
    }

    @Test
    void standardProfile_acceptsWhatTheFipsProfileRefuses() throws Exception {
        assertEquals(
                "TLS_CHACHA20_POLY1305_SHA256",
                handshake(standard, "TLS_CHACHA20_POLY1305_SHA256", null).getCipherSuite());
        assertEquals("TLSv1.3", handshake(standard, null, "x25519").getProtocol());
    }

    @Test
    void bothProfiles_refuseTls12() {
        for (WebServer server : new WebServer[] {standard, fips}) {
            assertThrows(SSLHandshakeException.class, () -> {
                try (SSLSocket socket = socket(server)) {
                    socket.setEnabledProtocols(new String[] {"TLSv1.2"});
                    socket.startHandshake();
                }
            });
        }
    }

    @Test
    void unknownProfileName_isRefusedNamingTheChoices() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TlsProfile.fromConfig("fips-140-2"));
        assertTrue(e.getMessage().contains("standard or fips"), e.getMessage());
        assertEquals(TlsProfile.FIPS, TlsProfile.fromConfig("FIPS"));
    }

    /** One handshake from the JDK's client, offering only {@code suite} and/or {@code group} when given. */
    private static SSLSession handshake(WebServer server, String suite, String group) throws Exception {
        try (SSLSocket socket = socket(server)) {
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
            return socket.getSession();
        }
    }

    private static String get(WebServer server) throws Exception {
        try (SSLSocket socket = socket(server)) {
            socket.getOutputStream()
                    .write(("GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[4096];
            int n = socket.getInputStream().read(buf);
            return n < 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
        }
    }

    private static SSLSocket socket(WebServer server) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("strongroom", material.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) ssl.getSocketFactory().createSocket(HOST, server.port());
        socket.setSoTimeout(10_000);
        return socket;
    }
}
