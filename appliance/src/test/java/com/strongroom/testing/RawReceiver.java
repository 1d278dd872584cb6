package com.strongroom.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook receiver on a plain socket, so a test controls every byte and every pause: it answers
 * promptly, or stalls without answering, or sends its headers and then drips the body forever.
 * Each request's head and body are queued for the test; {@link #close} stops it and every
 * connection it holds.
 */
public final class RawReceiver implements AutoCloseable {
    public enum Behaviour {
        ANSWER,
        STALL,
        DRIP_BODY
    }

    private final ServerSocket server;
    private final Behaviour behaviour;
    private final int status;
    private final AtomicInteger connections = new AtomicInteger();
    private final LinkedBlockingQueue<String> requests = new LinkedBlockingQueue<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean closed;

    private RawReceiver(Behaviour behaviour, int status) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.behaviour = behaviour;
        this.status = status;
        this.acceptor = Thread.ofPlatform().daemon().name("raw-receiver").start(this::accept);
    }

    public static RawReceiver answering(int status) throws IOException {
        return new RawReceiver(Behaviour.ANSWER, status);
    }

    public static RawReceiver stalling() throws IOException {
        return new RawReceiver(Behaviour.STALL, 200);
    }

    public static RawReceiver drippingBody() throws IOException {
        return new RawReceiver(Behaviour.DRIP_BODY, 200);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far, complete requests or not. */
    public int connections() {
        return connections.get();
    }

    /** The next request received (head and body as text), or null after the wait. */
    public String nextRequest(long seconds) throws InterruptedException {
        return requests.poll(seconds, TimeUnit.SECONDS);
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                open.add(s);
                Thread.ofPlatform().daemon().name("raw-receiver-conn").start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            String request = readRequest(s.getInputStream());
            requests.add(request);
            OutputStream out = s.getOutputStream();
            switch (behaviour) {
                case ANSWER -> {
                    out.write(("HTTP/1.1 " + status + " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
                case STALL -> {
                    while (!closed && s.getInputStream().read() >= 0) {
                        // holds the connection without a byte of answer until the sender gives up
                    }
                }
                case DRIP_BODY -> {
                    out.write(
                            "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    while (!closed) {
                        out.write('.');
                        out.flush();
                        Thread.sleep(100);
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // the sender hung up, which is what a bounded sender does
        } finally {
            open.remove(s);
        }
    }

    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            String text = head.toString(StandardCharsets.ISO_8859_1);
            if (text.endsWith("\r\n\r\n")) {
                int length = 0;
                for (String line : text.split("\r\n")) {
                    if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).strip());
                    }
                }
                return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws Exception {
        closed = true;
        server.close();
        for (Socket s : open) {
            s.close();
        }
        acceptor.join(5_000);
    }
}
