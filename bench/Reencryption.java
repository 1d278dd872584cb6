import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Re-encryption after a dataset key rotation, measured against a running appliance: builds a
 * dataset of the client's own vectors (no embedding cost), measures query latency at a steady
 * load while idle (after 10 s of the same load unmeasured, for the JIT), rotates the dataset's key, measures the same load while the background pass
 * moves everything under the old version, and reports one JSON object: bytes under v1 before
 * (index files on disk + sealed originals as recorded), pass duration, MB/s, query p50/p99 idle
 * and during. Run through bench/reencryption.sh.
 */
public final class Reencryption {
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    private static final int DIMENSIONS = 384;
    private static final String WORDS = "vault ledger clause key audit record policy region quarter"
            + " supplier customer retention backup recovery encryption rotation archive contract";

    private final String url;
    private final HttpClient http;
    private final String owner;
    private final String operator;
    private final Random random = new Random(42);

    Reencryption(String url, Path cert, Path ownerKey, Path operatorKey) throws Exception {
        this.url = url;
        this.owner = "Bearer " + Files.readString(ownerKey).strip();
        this.operator = "Bearer " + Files.readString(operatorKey).strip();
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            trust.setCertificateEntry("strongroom", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        this.http = HttpClient.newBuilder()
                .sslContext(ssl)
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    private HttpResponse<String> send(String method, String path, String auth, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path))
                .header("Authorization", auth)
                .timeout(Duration.ofSeconds(120));
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String vector() {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < DIMENSIONS; i++) {
            b.append(i == 0 ? "" : ",").append(String.format("%.4f", random.nextGaussian()));
        }
        return b.append(']').toString();
    }

    private String text(int words) {
        String[] w = WORDS.split(" ");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < words; i++) {
            b.append(i == 0 ? "" : " ").append(w[random.nextInt(w.length)]).append(random.nextInt(1000));
        }
        return b.toString();
    }

    private static String id(String body) {
        Matcher m = ID.matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("no id in " + body);
        }
        return m.group(1);
    }

    private String build(int documents, int chunksPerDocument) throws Exception {
        HttpResponse<String> r = send(
                "POST",
                "/v1/datasets",
                owner,
                "{\"name\":\"reencryption-bench-" + System.currentTimeMillis() + "\",\"embedding_model\":\"bench-vectors\",\"embedding_dimensions\":"
                        + DIMENSIONS + "}");
        if (r.statusCode() != 201) {
            throw new IllegalStateException("dataset: " + r.statusCode() + " " + r.body());
        }
        String ds = id(r.body());
        List<String> ids = new ArrayList<>();
        for (int d = 0; d < documents; d++) {
            StringBuilder body = new StringBuilder("{\"chunks\":[");
            for (int c = 0; c < chunksPerDocument; c++) {
                body.append(c == 0 ? "" : ",")
                        .append("{\"content\":\"")
                        .append(text(80))
                        .append("\",\"vector\":")
                        .append(vector())
                        .append('}');
            }
            body.append("]}");
            HttpResponse<String> up = send("POST", "/v1/datasets/" + ds + "/documents", owner, body.toString());
            if (up.statusCode() != 202) {
                throw new IllegalStateException("upload: " + up.statusCode() + " " + up.body());
            }
            ids.add(id(up.body()));
        }
        for (String id : ids) {
            while (!send("GET", "/v1/datasets/" + ds + "/documents/" + id, owner, null)
                    .body()
                    .contains("\"status\":\"ready\"")) {
                Thread.sleep(200);
            }
        }
        return ds;
    }

    /** Runs {@code clients} query loops until {@code stop} says so; latencies in microseconds. */
    private List<Long> load(String ds, int clients, java.util.function.BooleanSupplier stop) throws Exception {
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong errors = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                Random own = new Random(Thread.currentThread().threadId());
                while (!stop.getAsBoolean()) {
                    String body = own.nextBoolean()
                            ? "{\"mode\":\"semantic\",\"limit\":10,\"vector\":" + vector() + "}"
                            : "{\"mode\":\"keyword\",\"limit\":10,\"query\":\"" + text(3) + "\"}";
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<String> r = send("POST", "/v1/datasets/" + ds + "/query", owner, body);
                        if (r.statusCode() != 200) {
                            errors.incrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                    latencies.add((System.nanoTime() - t0) / 1000);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (errors.get() > 0) {
            System.err.println("  " + errors.get() + " queries failed");
        }
        List<Long> sorted = new ArrayList<>(latencies);
        sorted.sort(null);
        return sorted;
    }

    private static double ms(List<Long> sorted, double p) {
        return sorted.isEmpty()
                ? 0
                : Math.round(sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1)) / 100.0)
                        / 10.0;
    }

    private static long bytesUnder(Path indexDir, int version) throws Exception {
        long bytes = 0;
        try (Stream<Path> files = Files.list(indexDir)) {
            for (Path p : files.toList()) {
                byte[] head = new byte[10];
                try (InputStream in = Files.newInputStream(p)) {
                    if (in.readNBytes(head, 0, 10) < 10 || head[0] != 'S' || head[1] != 'R' || head[2] != 'I') {
                        continue;
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    continue;
                }
                int v = java.nio.ByteBuffer.wrap(head, 6, 4).getInt();
                if (v == version) {
                    bytes += Files.size(p);
                }
            }
        }
        return bytes;
    }

    /** The entry of {@code purpose} v{@code version} in GET /v1/system/keys, in_use included. */
    private Entry entry(String purpose, int version) throws Exception {
        String body = send("GET", "/v1/system/keys", operator, null).body();
        int at = body.indexOf("\"purpose\":\"" + purpose + "\",\"version\":" + version + ",");
        if (at < 0) {
            throw new IllegalStateException("no " + purpose + " v" + version + " in " + body);
        }
        int next = body.indexOf("{\"purpose\"", at + 1);
        return new Entry(body.substring(at, next < 0 ? body.length() : next));
    }

    private record Entry(String json) {
        long number(String field) {
            Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        }

        boolean moved() {
            return number("index_files") == 0 && number("originals") == 0;
        }
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        Path home = Path.of(args[1]);
        int documents = Integer.parseInt(args[2]);
        int chunks = Integer.parseInt(args[3]);
        int clients = Integer.parseInt(args[4]);
        int idleSeconds = Integer.parseInt(args[5]);
        Reencryption bench = new Reencryption(
                url,
                home.resolve("tls/server.crt"),
                home.resolve("bootstrap/owner-api-key"),
                home.resolve("bootstrap/operator-api-key"));
        System.err.println("building " + documents + " documents of " + chunks + " chunks with own vectors...");
        String ds = bench.build(documents, chunks);
        String purpose = "dataset:" + ds;
        Path indexDir = home.resolve("data/indexes").resolve(ds);
        System.err.println("warm-up: " + clients + " clients for 10 s (not measured)...");
        long warmEnd = System.nanoTime() + 10_000_000_000L;
        bench.load(ds, clients, () -> System.nanoTime() > warmEnd);
        System.err.println("idle load: " + clients + " clients for " + idleSeconds + " s...");
        long idleEnd = System.nanoTime() + idleSeconds * 1_000_000_000L;
        List<Long> idle = bench.load(ds, clients, () -> System.nanoTime() > idleEnd);
        long indexBytes = bytesUnder(indexDir, 1);
        HttpResponse<String> rotated = bench.send(
                "POST", "/v1/system/keys/rotate", bench.operator, "{\"dek_purpose\":\"" + purpose + "\"}");
        if (rotated.statusCode() != 200) {
            throw new IllegalStateException("rotate: " + rotated.statusCode() + " " + rotated.body());
        }
        long t0 = System.nanoTime();
        System.err.println("rotated; load while the pass moves " + indexBytes + " index bytes (+ originals)...");
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong passNanos = new java.util.concurrent.atomic.AtomicLong();
        Thread watcher = Thread.ofPlatform().start(() -> {
            try {
                while (!bench.entry(purpose, 1).moved()) {
                    Thread.sleep(200);
                }
                passNanos.set(System.nanoTime() - t0);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                done.set(true);
            }
        });
        List<Long> during = bench.load(ds, clients, done::get);
        watcher.join();
        Entry after = bench.entry(purpose, 1);
        long originals = bench.entry(purpose, 2).number("original_bytes");
        double seconds = passNanos.get() / 1e9;
        double mb = (indexBytes + originals) / 1e6;
        System.out.printf(
                "{\"documents\":%d,\"chunks\":%d,\"index_bytes_v1\":%d,\"original_bytes\":%d,\"pass_seconds\":%.1f,"
                        + "\"mb_per_s\":%.1f,\"queries_idle\":%d,\"p50_idle_ms\":%.1f,\"p99_idle_ms\":%.1f,"
                        + "\"queries_during\":%d,\"p50_during_ms\":%.1f,\"p99_during_ms\":%.1f,"
                        + "\"v1_after\":{\"index_files\":%d,\"originals\":%d,\"journal_entries\":%d}}%n",
                documents,
                documents * chunks,
                indexBytes,
                originals,
                seconds,
                mb / seconds,
                idle.size(),
                ms(idle, 0.50),
                ms(idle, 0.99),
                during.size(),
                ms(during, 0.50),
                ms(during, 0.99),
                after.number("index_files"),
                after.number("originals"),
                after.number("journal_entries"));
    }
}
