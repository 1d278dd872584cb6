package com.strongroom.webhooks;

import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealState;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends recorded webhook events: signed POST to a checked address ({@link DeliveryClient}), a
 * hard time limit for the whole exchange, no redirects, retries with exponential backoff, every
 * attempt in the delivery log, and the webhook disabled after a run of failed deliveries so a
 * dead receiver does not pile up work forever.
 *
 * <p>Deliveries run on a small pool, at most one at a time per organization, so one
 * organization's slow receiver holds one worker for at most the time limit and never the others'
 * deliveries. A failure of any kind in one delivery is recorded on that delivery only.
 */
public final class WebhookDispatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WebhookDispatcher.class.getName());

    /**
     * @param retryBaseDelay delay before the 2nd attempt; each later one waits three times longer
     * @param maxAttempts attempts per delivery before it is marked failed
     * @param disableAfter failed deliveries in a row that disable the webhook
     * @param deliveryTimeout the whole exchange with the receiver, connect to last answer byte
     * @param workers deliveries in flight at once, appliance-wide
     * @param destinations which addresses may be reached
     */
    public record Settings(
            Duration retryBaseDelay,
            int maxAttempts,
            int disableAfter,
            Duration deliveryTimeout,
            int workers,
            Destinations destinations) {}

    private final Webhooks webhooks;
    private final KeyManager keys;
    private final Settings settings;
    private final DeliveryClient client;
    private final ScheduledExecutorService watchdog;
    private final ExecutorService pool;
    private final Set<String> busyOrganizations = ConcurrentHashMap.newKeySet();
    private final Semaphore wake = new Semaphore(0);
    private final Thread thread;
    private volatile boolean running = true;

    private WebhookDispatcher(Webhooks webhooks, KeyManager keys, Settings settings) {
        this.webhooks = webhooks;
        this.keys = keys;
        this.settings = settings;
        this.watchdog = Executors.newSingleThreadScheduledExecutor(daemon("strongroom-webhooks-watchdog"));
        this.pool = Executors.newFixedThreadPool(settings.workers(), daemon("strongroom-webhooks-delivery"));
        this.client = new DeliveryClient(settings.destinations(), watchdog);
        this.thread = new Thread(this::run, "strongroom-webhooks");
        thread.setDaemon(true);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    public static WebhookDispatcher start(Webhooks webhooks, KeyManager keys, Settings settings) {
        WebhookDispatcher d = new WebhookDispatcher(webhooks, keys, settings);
        webhooks.onPublished(d.wake::release);
        d.thread.start();
        return d;
    }

    private void run() {
        boolean leftoversDropped = false;
        while (running) {
            try {
                wake.tryAcquire(500, TimeUnit.MILLISECONDS);
                wake.drainPermits();
                if (keys.state() != SealState.UNSEALED) {
                    continue;
                }
                if (!leftoversDropped) {
                    webhooks.store().dropDeliveriesOfDeletedWebhooks();
                    leftoversDropped = true;
                }
                List<WebhookStore.Due> due = webhooks.store().due(webhooks.now(), Set.copyOf(busyOrganizations), 100);
                for (WebhookStore.Due d : due) {
                    if (busyOrganizations.add(d.organizationId())) {
                        pool.execute(() -> deliverAlone(d));
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                LOG.log(
                        Level.WARNING,
                        "webhook dispatch round failed: " + e.getClass().getName());
            }
        }
    }

    /** One delivery, isolated: whatever it throws is recorded on it and nothing else. */
    private void deliverAlone(WebhookStore.Due d) {
        try {
            deliver(d);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            // The class only: a message could quote the payload or the receiver's answer.
            LOG.log(
                    Level.WARNING,
                    "webhook delivery " + d.id() + " of webhook " + d.webhookId() + " failed inside the appliance: "
                            + e.getClass().getName());
            try {
                recordOutcome(
                        d,
                        d.attempts() + 1,
                        null,
                        "internal error (" + e.getClass().getSimpleName() + ")");
            } catch (Throwable again) {
                if (again instanceof VirtualMachineError vm) {
                    throw vm;
                }
                LOG.log(
                        Level.WARNING,
                        "webhook delivery " + d.id() + " outcome not recorded: "
                                + again.getClass().getName());
            }
        } finally {
            busyOrganizations.remove(d.organizationId());
            wake.release();
        }
    }

    private void deliver(WebhookStore.Due d) throws Exception {
        int attempt = d.attempts() + 1;
        Optional<byte[]> sealedOpen = webhooks.secret(d.webhookId());
        if (sealedOpen.isEmpty()) {
            webhooks.store().drop(d.id());
            return;
        }
        byte[] secret = sealedOpen.get();
        byte[] body = d.payload().getBytes(StandardCharsets.UTF_8);
        Integer status = null;
        String error = null;
        try {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Content-Type", "application/json");
            headers.put("User-Agent", "Strongroom-Webhooks/1");
            headers.put("Strongroom-Event", d.event());
            headers.put("Strongroom-Delivery", d.id());
            headers.put(
                    WebhookSignature.HEADER,
                    WebhookSignature.header(secret, webhooks.now().toEpochSecond(), body));
            status = client.post(URI.create(d.url()), headers, body, settings.deliveryTimeout());
            if (status / 100 != 2) {
                error = "receiver answered HTTP " + status;
            }
        } catch (DeliveryClient.RefusedException e) {
            error = e.getMessage();
        } catch (DeliveryClient.DeadlineException e) {
            error = "no complete answer within " + seconds(settings.deliveryTimeout());
        } catch (IOException e) {
            error = "connection failed: " + e.getClass().getSimpleName();
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        recordOutcome(d, attempt, status, error);
    }

    private void recordOutcome(WebhookStore.Due d, int attempt, Integer status, String error) throws Exception {
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

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(10_000);
        pool.shutdownNow();
        watchdog.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
    }
}
