package com.strongroom.api;

import com.strongroom.crypto.Hmac;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets on /v1/ (bucket4j): one per API key, access token or browser session (identified by
 * a keyed hash of the presented credential, never the credential itself) and one per client address, whatever key it sends; and the block
 * of an address after repeated failed authentications ({@link AuthFailures}). Every answer
 * carries X-RateLimit-Limit, -Remaining and -Reset of the key's bucket (the address's without a
 * key); an empty bucket or a blocked address answers 429 with Retry-After. Browser sign-in
 * ({@code /auth/*}) has a budget per client address of its own.
 */
final class RateLimits implements Filter {
    /** Beyond this many callers a table starts over rather than growing without bound. */
    private static final int MAX_CALLERS = 100_000;

    private static final byte[] KEY = "strongroom/rate-limit-caller".getBytes(StandardCharsets.US_ASCII);

    private final long perKeyPerHour;
    private final long perTokenPerHour;
    private final long perAddressPerHour;
    private final long signInPerAddressPerHour;
    private final AuthFailures authFailures;
    private final Map<String, Bucket> keyBuckets = new ConcurrentHashMap<>();
    private final Map<String, Bucket> tokenBuckets = new ConcurrentHashMap<>();
    private final Map<String, Bucket> addressBuckets = new ConcurrentHashMap<>();
    private final Map<String, Bucket> signInBuckets = new ConcurrentHashMap<>();

    RateLimits(
            long perKeyPerHour,
            long perTokenPerHour,
            long perAddressPerHour,
            long signInPerAddressPerHour,
            AuthFailures authFailures) {
        this.perKeyPerHour = perKeyPerHour;
        this.perTokenPerHour = perTokenPerHour;
        this.perAddressPerHour = perAddressPerHour;
        this.signInPerAddressPerHour = signInPerAddressPerHour;
        this.authFailures = authFailures;
    }

    /** Takes one request from the bucket of API key {@code caller}. */
    ConsumptionProbe takeForKey(String caller) {
        return take(keyBuckets, caller, perKeyPerHour);
    }

    ConsumptionProbe takeForAddress(String address) {
        return take(addressBuckets, address, perAddressPerHour);
    }

    private static ConsumptionProbe take(Map<String, Bucket> buckets, String caller, long perHour) {
        if (buckets.size() > MAX_CALLERS) {
            buckets.clear();
        }
        Bucket bucket = buckets.computeIfAbsent(caller, c -> Bucket.builder()
                .addLimit(Bandwidth.builder()
                        .capacity(perHour)
                        .refillGreedy(perHour, Duration.ofHours(1))
                        .build())
                .build());
        return bucket.tryConsumeAndReturnRemaining(1);
    }

    /** Access tokens (JWTs) have their own, larger budget than API keys, as in the hosted product. */
    private static boolean isToken(RoutingRequest req) {
        String bearer = Authenticator.bearer(
                req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
        return bearer != null && com.strongroom.auth.AccessTokens.looksLikeToken(bearer);
    }

    /** A signed-in browser (session cookie, no Authorization header) shares the access tokens' budget. */
    private static boolean isSession(RoutingRequest req) {
        return !req.headers().contains(HeaderNames.AUTHORIZATION)
                && SignInApi.cookie(req).isPresent();
    }

    /**
     * The caller's bucket: a keyed hash of its credential (API key, token or session id), or null.
     * The credential is read as {@link Authenticator} reads it, not the header's text: "bearer
     * sr_…" with other casing or spacing is the same key and must not get a fresh budget.
     */
    static String keyOf(RoutingRequest req) {
        String credential = req.headers()
                .first(HeaderNames.AUTHORIZATION)
                .map(h -> {
                    String bearer = Authenticator.bearer(h);
                    return bearer == null ? "unreadable " + h : "bearer " + bearer;
                })
                .or(() -> SignInApi.cookie(req).map(c -> "session " + c))
                .orElse(null);
        if (credential == null) {
            return null;
        }
        return HexFormat.of().formatHex(Hmac.sha256(KEY, credential.getBytes(StandardCharsets.UTF_8)), 0, 16);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (req.path().path().startsWith("/auth/") && signInPerAddressPerHour > 0) {
            // sign-in needs no credential, so its budget is the address's: each /auth/login
            // also costs the appliance a pending sign-in and the callback a call to Keycloak
            ConsumptionProbe probe = take(signInBuckets, req.remotePeer().host(), signInPerAddressPerHour);
            if (!probe.isConsumed()) {
                refuse(res, probe, signInPerAddressPerHour, "this address to /auth/");
                return;
            }
            headers(res, probe, signInPerAddressPerHour);
            chain.proceed();
            return;
        }
        if (!req.path().path().startsWith("/v1/")) {
            chain.proceed();
            return;
        }
        String address = req.remotePeer().host();
        long blocked = authFailures.blockedForSeconds(address);
        if (blocked > 0) {
            res.header(HeaderNames.RETRY_AFTER, Long.toString(blocked));
            Json.error(
                    res,
                    Status.TOO_MANY_REQUESTS_429,
                    "too_many_failed_authentications",
                    "Too many requests with an invalid API key came from this address; retry in " + blocked + " s.",
                    null);
            return;
        }
        // the caller's credential is hashed and classified once per request
        String key = keyOf(req);
        boolean session = key != null && isSession(req);
        boolean token = key != null && (session || isToken(req));
        long limit = token ? perTokenPerHour : perKeyPerHour;
        if (perAddressPerHour > 0) {
            ConsumptionProbe probe = takeForAddress(address);
            if (!probe.isConsumed()) {
                refuse(res, probe, perAddressPerHour, "this address");
                return;
            }
            if (key == null || limit <= 0) {
                headers(res, probe, perAddressPerHour);
            }
        }
        if (limit > 0 && key != null) {
            ConsumptionProbe probe = take(token ? tokenBuckets : keyBuckets, key, limit);
            headers(res, probe, limit);
            if (!probe.isConsumed()) {
                refuse(
                        res,
                        probe,
                        limit,
                        session ? "this browser session" : token ? "this access token" : "this API key");
                return;
            }
        }
        chain.proceed();
    }

    private static void headers(RoutingResponse res, ConsumptionProbe probe, long limit) {
        res.header(HeaderNames.create("X-RateLimit-Limit"), Long.toString(limit));
        res.header(HeaderNames.create("X-RateLimit-Remaining"), Long.toString(probe.getRemainingTokens()));
        res.header(
                HeaderNames.create("X-RateLimit-Reset"),
                Long.toString(Math.ceilDiv(probe.getNanosToWaitForReset(), 1_000_000_000L)));
    }

    private static void refuse(RoutingResponse res, ConsumptionProbe probe, long limit, String who) {
        headers(res, probe, limit);
        long retry = Math.max(1, Math.ceilDiv(probe.getNanosToWaitForRefill(), 1_000_000_000L));
        res.header(HeaderNames.RETRY_AFTER, Long.toString(retry));
        Json.error(
                res,
                Status.TOO_MANY_REQUESTS_429,
                "rate_limit_exceeded",
                "Too many requests from " + who + ": " + limit + " an hour are allowed; retry in " + retry + " s.",
                null);
    }
}
