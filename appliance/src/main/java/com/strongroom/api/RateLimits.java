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
 * Token buckets per caller on /v1/: one per API key (identified by a keyed hash of the presented
 * token, never the token itself) or per address when no key is sent. Every answer carries
 * X-RateLimit-Limit, -Remaining and -Reset; an empty bucket answers 429 with Retry-After.
 */
final class RateLimits implements Filter {
    /** Beyond this many callers the table starts over rather than growing without bound. */
    private static final int MAX_CALLERS = 100_000;

    private static final byte[] KEY = "strongroom/rate-limit-caller".getBytes(StandardCharsets.US_ASCII);

    private final long perMinute;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    RateLimits(long perMinute) {
        this.perMinute = perMinute;
    }

    /** Takes one request from {@code caller}'s bucket. */
    ConsumptionProbe take(String caller) {
        if (buckets.size() > MAX_CALLERS) {
            buckets.clear();
        }
        Bucket bucket = buckets.computeIfAbsent(caller, c -> Bucket.builder()
                .addLimit(Bandwidth.builder()
                        .capacity(perMinute)
                        .refillGreedy(perMinute, Duration.ofMinutes(1))
                        .build())
                .build());
        return bucket.tryConsumeAndReturnRemaining(1);
    }

    static String caller(RoutingRequest req) {
        String auth = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
        if (auth != null) {
            return "key:" + HexFormat.of().formatHex(Hmac.sha256(KEY, auth.getBytes(StandardCharsets.UTF_8)), 0, 16);
        }
        return "ip:" + req.remotePeer().host();
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (perMinute <= 0 || !req.path().path().startsWith("/v1/")) {
            chain.proceed();
            return;
        }
        ConsumptionProbe probe = take(caller(req));
        res.header(HeaderNames.create("X-RateLimit-Limit"), Long.toString(perMinute));
        res.header(HeaderNames.create("X-RateLimit-Remaining"), Long.toString(probe.getRemainingTokens()));
        res.header(
                HeaderNames.create("X-RateLimit-Reset"),
                Long.toString(Math.ceilDiv(probe.getNanosToWaitForReset(), 1_000_000_000L)));
        if (!probe.isConsumed()) {
            long retry = Math.max(1, Math.ceilDiv(probe.getNanosToWaitForRefill(), 1_000_000_000L));
            res.header(HeaderNames.RETRY_AFTER, Long.toString(retry));
            Json.error(
                    res,
                    Status.TOO_MANY_REQUESTS_429,
                    "rate_limit_exceeded",
                    "Too many requests: " + perMinute + " a minute are allowed; retry in " + retry + " s.",
                    null);
            return;
        }
        chain.proceed();
    }
}
