package com.strongroom.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A real S3 server for tests: Adobe's S3Mock 5.0.0 (the executable jar Maven copied into
 * target/s3mock), as a child JVM on loopback, with its data, temp files and log under the test's
 * directory. {@link #close} stops it by PID, descendants included; a shutdown hook does the same if
 * the test JVM ends without closing it.
 *
 * <p>Its configuration is Spring Boot's: {@code server.port} (HTTPS), {@code http.port} (its second,
 * plain-HTTP connector), {@code server.address} (binds the HTTPS connector only: S3Mock 5.0.0 adds
 * the HTTP connector with no address, so that one listens on every interface, on a random free
 * port, for the life of the test class), {@code com.adobe.testing.s3mock.store.root} and {@code
 * ...store.initialBuckets}. S3Mock accepts any credentials and does not enforce Object Lock.
 */
public final class LabS3 implements AutoCloseable {
    public static final String BUCKET = "strongroom-backups";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final Process process;
    private final Thread shutdownHook;
    private final int httpsPort;
    private final int httpPort;
    private final Path dir;
    private final Path log;

    private LabS3(Process process, Thread shutdownHook, int httpsPort, int httpPort, Path dir, Path log) {
        this.process = process;
        this.shutdownHook = shutdownHook;
        this.httpsPort = httpsPort;
        this.httpPort = httpPort;
        this.dir = dir;
        this.log = log;
    }

    /** Starts S3Mock with {@link #BUCKET} and waits until it answers (about 6 to 10 s). */
    public static LabS3 start(Path dir) throws Exception {
        Path jar = Path.of("target", "s3mock", "s3mock-5.0.0-exec.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError("no " + jar + ": run the Maven build (process-test-resources copies it)");
        }
        Files.createDirectories(dir);
        Path data = Files.createDirectories(dir.resolve("s3mock-data"));
        Path tmp = Files.createDirectories(dir.resolve("s3mock-tmp"));
        Path log = dir.resolve("s3mock.log");
        int[] ports = freePorts(2);
        int httpsPort = ports[0];
        int httpPort = ports[1];
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ProcessBuilder pb = new ProcessBuilder(
                java,
                "-Xmx512m",
                "-XX:+UseSerialGC",
                // Not -XX:TieredStopAtLevel=1: it starts 8 s sooner, but without C2 the server's
                // AES-GCM runs at a tenth of the speed and the 80 MiB round trip loses 20 s.
                // its upload temp files go here, not into the machine's /tmp
                "-Djava.io.tmpdir=" + tmp,
                "-jar",
                jar.toString(),
                "--server.port=" + httpsPort,
                "--http.port=" + httpPort,
                "--server.address=127.0.0.1",
                "--com.adobe.testing.s3mock.store.root=" + data,
                "--com.adobe.testing.s3mock.store.initialBuckets=" + BUCKET,
                "--spring.main.banner-mode=off");
        pb.directory(dir.toFile());
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process process = pb.start();
        Thread hook = new Thread(() -> kill(process, Duration.ZERO), "lab-s3-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        LabS3 s3 = new LabS3(process, hook, httpsPort, httpPort, dir, log);
        try {
            s3.awaitReady();
        } catch (Throwable e) {
            s3.close();
            throw e;
        }
        return s3;
    }

    private void awaitReady() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        // Plain HTTP, unsigned: S3Mock answers anyone, and readiness must not depend on the TLS
        // trust that the tests are about. The bucket listing answers once the store has made it.
        URI bucket = URI.create(httpEndpoint() + "/" + BUCKET + "?list-type=2");
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(bucket)
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (!process.isAlive()) {
                throw new AssertionError("S3Mock exited with " + process.exitValue() + ":\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("S3Mock did not answer within " + START_TIMEOUT + ":\n" + tail());
            }
            Thread.sleep(250);
        }
    }

    /** HTTPS with S3Mock's self-signed certificate, whose only name is {@code localhost}. */
    public URI httpsEndpoint() {
        return URI.create("https://localhost:" + httpsPort);
    }

    public URI httpEndpoint() {
        return URI.create("http://127.0.0.1:" + httpPort);
    }

    public String bucket() {
        return BUCKET;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** A 0600 file with an access key id (S3Mock accepts any). */
    public Path accessKeyIdFile() throws IOException {
        Path file = dir.resolve("s3-access-key-id");
        return Files.exists(file) ? file : LabHsm.writeSecret(file, "AKIA" + random(8));
    }

    /** A 0600 file with a secret access key that is random, so a test can look for it in messages. */
    public Path secretAccessKeyFile() throws IOException {
        Path file = dir.resolve("s3-secret-access-key");
        return Files.exists(file) ? file : LabHsm.writeSecret(file, "secret-" + random(20));
    }

    public String secretAccessKey() throws IOException {
        return Files.readString(secretAccessKeyFile()).trim();
    }

    /**
     * S3Mock's certificate as PEM, fetched the way an operator pins a store's self-signed
     * certificate: one handshake that trusts anything, only to read what the server presents. Only
     * this test fixture does that; the code under test verifies against the file.
     */
    public Path certificatePem() throws Exception {
        Path file = dir.resolve("s3mock.crt");
        if (Files.exists(file)) {
            return file;
        }
        TrustManager[] anything = {
            new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }
        };
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, anything, null);
        List<String> pem = new ArrayList<>();
        try (SSLSocket socket = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", httpsPort)) {
            socket.startHandshake();
            for (Certificate cert : socket.getSession().getPeerCertificates()) {
                pem.add("-----BEGIN CERTIFICATE-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(cert.getEncoded())
                        + "\n-----END CERTIFICATE-----\n");
            }
        }
        Files.writeString(file, String.join("", pem), StandardCharsets.US_ASCII);
        return file;
    }

    /** The last lines of S3Mock's log, for failure messages. */
    public String tail() throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    @Override
    public void close() throws Exception {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook is doing this
        }
        kill(process, STOP_GRACE);
        // The test's temp dir goes away with it; the log stays for whoever reads a failure.
        Path kept = Path.of("target", "s3mock", "s3mock-" + process.pid() + ".log");
        Files.copy(log, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** TERM (Spring shuts down cleanly and deletes its store), then KILL after {@code grace}. */
    private static void kill(Process process, Duration grace) {
        ProcessHandle handle = process.toHandle();
        List<ProcessHandle> descendants = handle.descendants().toList();
        handle.destroy();
        descendants.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        while ((handle.isAlive() || descendants.stream().anyMatch(ProcessHandle::isAlive))
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        handle.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        try {
            handle.onExit().get(STOP_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // reported by the caller's checks if it matters
        }
    }

    /** Distinct free ports: all sockets stay open until every port is known. */
    private static int[] freePorts(int n) throws IOException {
        ServerSocket[] sockets = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().withUpperCase().formatHex(b);
    }
}
