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
 * key); an empty bucket or a blocked address answers 429 with Retry-After.
 */
final class RateLimits implements Filter {
    /** Beyond this many callers a table starts over rather than growing without bound. */
    private static final int MAX_CALLERS = 100_000;

    private static final byte[] KEY = "strongroom/rate-limit-caller".getBytes(StandardCharsets.US_ASCII);

    private final long perKeyPerHour;
    private final long perTokenPerHour;
    private final long perAddressPerHour;
    private final AuthFailures authFailures;
    private final Map<String, Bucket> keyBuckets = new ConcurrentHashMap<>();
    private final Map<String, Bucket> tokenBuckets = new ConcurrentHashMap<>();
    private final Map<String, Bucket> addressBuckets = new ConcurrentHashMap<>();

    RateLimits(long perKeyPerHour, long perTokenPerHour, long perAddressPerHour, AuthFailures authFailures) {
        this.perKeyPerHour = perKeyPerHour;
        this.perTokenPerHour = perTokenPerHour;
        this.perAddressPerHour = perAddressPerHour;
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
        String auth = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
        return auth.length() > 7
                && com.strongroom.auth.AccessTokens.looksLikeToken(
                        auth.substring(7).trim());
    }

    /** A signed-in browser (session cookie, no Authorization header) shares the access tokens' budget. */
    private static boolean isSession(RoutingRequest req) {
        return !req.headers().contains(HeaderNames.AUTHORIZATION)
                && SignInApi.cookie(req).isPresent();
    }

    /** The caller's bucket: a keyed hash of its credential (API key, token or session id), or null. */
    static String keyOf(RoutingRequest req) {
        String credential = req.headers()
                .first(HeaderNames.AUTHORIZATION)
                .or(() -> SignInApi.cookie(req).map(c -> "session " + c))
                .orElse(null);
        if (credential == null) {
            return null;
        }
        return HexFormat.of().formatHex(Hmac.sha256(KEY, credential.getBytes(StandardCharsets.UTF_8)), 0, 16);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
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
