package com.strongroom.webhooks;

import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealState;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends recorded webhook events: signed POST, 5 s timeout, no redirects, retries with exponential
 * backoff, every attempt in the delivery log, and the webhook disabled after a run of failed
 * deliveries so a dead receiver does not pile up work forever.
 */
public final class WebhookDispatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WebhookDispatcher.class.getName());
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    /**
     * @param retryBaseDelay delay before the 2nd attempt; each later one waits three times longer
     * @param maxAttempts attempts per delivery before it is marked failed
     * @param disableAfter failed deliveries in a row that disable the webhook
     */
    public record Settings(Duration retryBaseDelay, int maxAttempts, int disableAfter) {}

    private final Webhooks webhooks;
    private final KeyManager keys;
    private final Settings settings;
    private final HttpClient client;
    private final Semaphore wake = new Semaphore(0);
    private final Thread thread;
    private volatile boolean running = true;

    private WebhookDispatcher(Webhooks webhooks, KeyManager keys, Settings settings) {
        this.webhooks = webhooks;
        this.keys = keys;
        this.settings = settings;
        this.client = HttpClient.newBuilder()
                .connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.thread = new Thread(this::run, "strongroom-webhooks");
        thread.setDaemon(true);
    }

    public static WebhookDispatcher start(Webhooks webhooks, KeyManager keys, Settings settings) {
        WebhookDispatcher d = new WebhookDispatcher(webhooks, keys, settings);
        webhooks.onPublished(d.wake::release);
        d.thread.start();
        return d;
    }

    private void run() {
        while (running) {
            try {
                wake.tryAcquire(500, TimeUnit.MILLISECONDS);
                wake.drainPermits();
                if (keys.state() != SealState.UNSEALED) {
                    continue;
                }
                List<WebhookStore.Due> due = webhooks.store().due(webhooks.now(), 20);
                for (WebhookStore.Due d : due) {
                    deliver(d);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                LOG.log(Level.WARNING, "webhook dispatch round failed: " + e.getMessage());
            }
        }
    }

    private void deliver(WebhookStore.Due d) throws Exception {
        int attempt = d.attempts() + 1;
        byte[] body = d.payload().getBytes(StandardCharsets.UTF_8);
        Integer status = null;
        String error = null;
        byte[] secret = webhooks.secret(d.webhookId());
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(d.url()))
                    .timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "Strongroom-Webhooks/1")
                    .header("Strongroom-Event", d.event())
                    .header("Strongroom-Delivery", d.id())
                    .header(
                            WebhookSignature.HEADER,
                            WebhookSignature.header(secret, webhooks.now().toEpochSecond(), body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
            status = response.statusCode();
            if (status / 100 != 2) {
                error = "receiver answered HTTP " + status;
            }
        } catch (HttpTimeoutException e) {
            error = "no answer within " + TIMEOUT.toSeconds() + " s";
        } catch (IOException e) {
            error = "connection failed: " + e.getClass().getSimpleName();
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        WebhookStore store = webhooks.store();
        OffsetDateTime now = webhooks.now();
        if (error == null) {
            store.attempted(d.id(), "DELIVERED", attempt, status, null, null, now);
            store.succeeded(d.webhookId());
        } else if (attempt < settings.maxAttempts()) {
            Duration delay = settings.retryBaseDelay().multipliedBy((long) Math.pow(3, attempt - 1));
            store.attempted(d.id(), "PENDING", attempt, status, error, now.plus(delay), null);
        } else {
            store.attempted(d.id(), "FAILED", attempt, status, error, null, null);
            int inARow = store.failed(d.webhookId());
            if (inARow >= settings.disableAfter()) {
                store.disable(d.webhookId(), inARow + " deliveries in a row failed; last: " + error, now);
                LOG.warning(() -> "webhook " + d.webhookId() + " disabled after " + inARow + " failed deliveries");
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(10_000);
    }
}
