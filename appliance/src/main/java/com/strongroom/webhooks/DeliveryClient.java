package com.strongroom.webhooks;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One HTTP/1.1 POST, written for webhooks rather than borrowed from a general client, because
 * a general client resolves the name itself: here the name is resolved once, every address it
 * resolves to is checked against {@link Destinations}, and the socket connects to the checked
 * address while TLS still sends the original name (SNI) and verifies the certificate against it.
 * The whole exchange, connect to the last byte of the answer, is cut at a hard deadline by
 * closing the socket from a watchdog. Redirects are answers like any other: never followed.
 */
final class DeliveryClient {
    /** Answer bytes read at most (status line, headers, body); the rest is not waited for. */
    static final int MAX_ANSWER_BYTES = 64 * 1024;

    /** The destination may not be reached; the message says why. */
    static final class RefusedException extends Exception {
        RefusedException(String message) {
            super(message);
        }
    }

    /** The deadline passed before the answer was complete. */
    static final class DeadlineException extends IOException {
        DeadlineException() {
            super("deadline passed");
        }
    }

    private final Destinations destinations;
    private final ScheduledExecutorService watchdog;

    DeliveryClient(Destinations destinations, ScheduledExecutorService watchdog) {
        this.destinations = destinations;
        this.watchdog = watchdog;
    }

    /** Posts {@code body} and returns the answer's status code once the whole answer arrived. */
    int post(URI uri, Map<String, String> headers, byte[] body, Duration limit) throws IOException, RefusedException {
        long deadline = System.nanoTime() + limit.toNanos();
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        String host = uri.getHost();
        String bareHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        int port = uri.getPort() == -1 ? (https ? 443 : 80) : uri.getPort();
        InetAddress target = checkedAddress(resolve(bareHost, deadline), bareHost, port);
        Socket socket = new Socket();
        ScheduledFuture<?> cut = watchdog.schedule(() -> closeQuietly(socket), limit.toNanos(), TimeUnit.NANOSECONDS);
        try {
            socket.connect(new InetSocketAddress(target, port), remainingMillis(deadline));
            Socket channel = https ? tls(socket, bareHost, port) : socket;
            channel.setSoTimeout(remainingMillis(deadline));
            OutputStream out = new BufferedOutputStream(channel.getOutputStream());
            out.write(head(uri, host, port, https, headers, body.length));
            out.write(body);
            out.flush();
            return readAnswer(channel.getInputStream(), channel, deadline);
        } catch (IOException e) {
            if (System.nanoTime() - deadline >= 0 || e instanceof java.net.SocketTimeoutException) {
                throw new DeadlineException();
            }
            throw e;
        } finally {
            cut.cancel(false);
            closeQuietly(socket);
        }
    }

    /**
     * The name's addresses, looked up once, within the deadline: the system resolver cannot be
     * interrupted, so a lookup that hangs is left to its own thread and the delivery goes on failing.
     */
    private static InetAddress[] resolve(String host, long deadline) throws IOException {
        java.util.concurrent.CompletableFuture<InetAddress[]> lookup = new java.util.concurrent.CompletableFuture<>();
        Thread.ofPlatform().daemon().name("strongroom-webhooks-dns").start(() -> {
            try {
                lookup.complete(InetAddress.getAllByName(host));
            } catch (Throwable e) {
                lookup.completeExceptionally(e);
            }
        });
        try {
            return lookup.get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new DeadlineException();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while resolving");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("name lookup failed", e.getCause());
        }
    }

    private InetAddress checkedAddress(InetAddress[] resolved, String host, int port) throws RefusedException {
        for (InetAddress a : resolved) {
            String refusal = destinations.refusal(a, port);
            if (refusal != null) {
                throw new RefusedException(
                        (a.getHostAddress().equals(host) ? "" : host + " resolves to " + a.getHostAddress() + "; ")
                                + refusal);
            }
        }
        return resolved[0];
    }

    private static Socket tls(Socket socket, String host, int port) throws IOException {
        SSLContext context;
        try {
            context = SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("no TLS context", e);
        }
        SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(socket, host, port, true);
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        if (!isLiteral(host)) {
            p.setServerNames(List.of(new SNIHostName(host)));
        }
        ssl.setSSLParameters(p);
        ssl.startHandshake();
        return ssl;
    }

    private static boolean isLiteral(String host) {
        try {
            InetAddress.ofLiteral(host);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] head(URI uri, String host, int port, boolean https, Map<String, String> headers, int length) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        boolean defaultPort = uri.getPort() == -1 || port == (https ? 443 : 80);
        StringBuilder h = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\n");
        h.append("Host: ").append(host).append(defaultPort ? "" : ":" + port).append("\r\n");
        for (Map.Entry<String, String> e : headers.entrySet()) {
            h.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
        }
        h.append("Content-Length: ").append(length).append("\r\n");
        h.append("Connection: close\r\n\r\n");
        return h.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Reads the answer until it is complete (Content-Length reached, last chunk seen, or the
     * connection closed) or the byte cap is reached, and returns its status code.
     */
    private static int readAnswer(InputStream in, Socket socket, long deadline) throws IOException {
        java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (answer.size() < MAX_ANSWER_BYTES) {
            socket.setSoTimeout(remainingMillis(deadline));
            int n = in.read(buffer, 0, Math.min(buffer.length, MAX_ANSWER_BYTES - answer.size()));
            if (n < 0) {
                break;
            }
            answer.write(buffer, 0, n);
            if (complete(answer.toString(StandardCharsets.ISO_8859_1))) {
                break;
            }
        }
        String text = answer.toString(StandardCharsets.ISO_8859_1);
        int endOfLine = text.indexOf('\n');
        if (endOfLine < 0) {
            throw new IOException("no status line");
        }
        return status(text.substring(0, endOfLine).strip());
    }

    private static boolean complete(String answer) {
        int headEnd = answer.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            return false;
        }
        String head = answer.substring(0, headEnd).toLowerCase(java.util.Locale.ROOT);
        int bodyBytes = answer.length() - headEnd - 4;
        if (head.startsWith("http/1.1 204")
                || head.startsWith("http/1.0 204")
                || head.contains("\r\ncontent-length: 0")) {
            return true;
        }
        if (head.contains("\r\ntransfer-encoding: chunked")) {
            return answer.endsWith("\r\n0\r\n\r\n") || (bodyBytes == 5 && answer.endsWith("0\r\n\r\n"));
        }
        int at = head.indexOf("\r\ncontent-length:");
        if (at < 0) {
            return false;
        }
        int lineEnd = head.indexOf("\r\n", at + 2);
        String value = head.substring(at + "\r\ncontent-length:".length(), lineEnd < 0 ? head.length() : lineEnd)
                .strip();
        try {
            return bodyBytes >= Long.parseLong(value);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static int status(String line) throws IOException {
        String[] parts = line.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("[1-5][0-9][0-9]")) {
            throw new IOException("malformed status line");
        }
        return Integer.parseInt(parts[1]);
    }

    private static int remainingMillis(long deadline) throws DeadlineException {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            throw new DeadlineException();
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing is all that is left to do with it
        }
    }
}
