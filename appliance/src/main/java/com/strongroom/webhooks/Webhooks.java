package com.strongroom.webhooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.auth.Ids;
import com.strongroom.crypto.DecryptionFailedException;
import com.strongroom.crypto.Drbg;
import com.strongroom.crypto.SealedBlob;
import com.strongroom.keys.KeyDestroyedException;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.VersionedKey;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Webhook registrations and the events they receive. {@link #publish} only records a delivery
 * per subscriber (fast, in the caller's request); {@link WebhookDispatcher} sends them.
 */
public final class Webhooks {
    private static final Logger LOG = Logger.getLogger(Webhooks.class.getName());
    private static final String SECRET_LABEL = "strongroom/webhook-secret/v1";
    private static final String KEY_PURPOSE = "metadata";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebhookStore store;
    private final KeyManager keys;
    private final Clock clock;
    private final Destinations destinations;
    private volatile Runnable published = () -> {};

    public Webhooks(
            com.strongroom.store.MetadataStore metadata, KeyManager keys, Clock clock, Destinations destinations) {
        this.store = new WebhookStore(metadata);
        this.keys = keys;
        this.clock = clock;
        this.destinations = destinations;
    }

    /** Which addresses deliveries may reach; the API refuses literal addresses that never may. */
    public Destinations destinations() {
        return destinations;
    }

    WebhookStore store() {
        return store;
    }

    /** Called after an event was recorded, to wake the dispatcher. */
    void onPublished(Runnable wake) {
        this.published = wake;
    }

    public record Created(Webhook webhook, String secret) {}

    /** Registers an endpoint; the returned secret is shown once and stored only encrypted. */
    public Created create(String organizationId, String url, List<String> events, String description)
            throws SQLException {
        String secret = "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(Drbg.bytes(32));
        Webhook w = new Webhook(
                Ids.create("wh"), organizationId, url, List.copyOf(events), description, now(), null, null, 0);
        VersionedKey key = keys.primary(KEY_PURPOSE);
        byte[] sealed = SealedBlob.seal(key.key(), SECRET_LABEL, w.id(), secret.getBytes(StandardCharsets.UTF_8));
        store.insert(w, sealed, key.version());
        return new Created(w, secret);
    }

    public List<Webhook> list(String organizationId) throws SQLException {
        return store.list(organizationId);
    }

    public Optional<Webhook> find(String organizationId, String id) throws SQLException {
        return store.find(organizationId, id);
    }

    public boolean delete(String organizationId, String id) throws SQLException {
        return store.delete(organizationId, id, now());
    }

    public List<Delivery> deliveries(String webhookId, int limit) throws SQLException {
        return store.deliveries(webhookId, limit);
    }

    /** The signing secret, decrypted for one delivery; empty once the webhook is deleted. */
    Optional<byte[]> secret(String webhookId) throws SQLException, KeyDestroyedException, DecryptionFailedException {
        Optional<WebhookStore.Secret> s = store.secret(webhookId);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(SealedBlob.open(
                keys.key(KEY_PURPOSE, s.get().keyVersion()),
                SECRET_LABEL,
                webhookId,
                s.get().sealed()));
    }

    /**
     * Records {@code event} with {@code data} for every subscribed, enabled webhook of the
     * organization. Never fails the caller: a problem here is logged, the request goes on.
     */
    public void publish(String organizationId, String event, Map<String, Object> data) {
        try {
            List<Webhook> subscribers = store.subscribers(organizationId, event);
            if (subscribers.isEmpty()) {
                return;
            }
            OffsetDateTime now = now();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("event", event);
            body.put("timestamp", now.toInstant().toString());
            body.put("data", data);
            String payload = JSON.writeValueAsString(body);
            for (Webhook w : subscribers) {
                store.enqueue(Ids.create("whd"), w.id(), event, payload, now);
            }
            published.run();
        } catch (SQLException | JsonProcessingException | RuntimeException e) {
            LOG.log(Level.WARNING, "webhook event " + event + " not recorded: " + e.getMessage());
        }
    }

    OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
    }
}
