package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.ApplianceProcess;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-key limits with their headers, and the block of an address that keeps guessing keys. */
class RateLimitsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static LabAppliance lab;
    private static Https https;

    @BeforeAll
    static void start() throws Exception {
        lab = LabAppliance.start(
                dir, "server:\n  rate-limit-per-hour: 5\n  auth-failures-before-block: 3\n  auth-block: 10m\n");
        https = lab.https();
    }

    @AfterAll
    static void stop() throws Exception {
        lab.close();
    }

    private static String error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("error").asText();
    }

    @Test
    void keysRunOutSeparately_thenAGuessingAddressIsBlocked() throws Exception {
        HttpResponse<String> created = https.post("/v1/api-keys", lab.ownerKey(), "{\"name\":\"busy\"}");
        assertEquals(201, created.statusCode(), created.body());
        String busy = JSON.readTree(created.body()).get("key").asText();
        for (int i = 4; i >= 0; i--) {
            HttpResponse<String> r = https.get("/v1/datasets", busy);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("5", r.headers().firstValue("X-RateLimit-Limit").orElseThrow());
            assertEquals(
                    Integer.toString(i),
                    r.headers().firstValue("X-RateLimit-Remaining").orElseThrow());
            assertTrue(
                    Long.parseLong(r.headers().firstValue("X-RateLimit-Reset").orElseThrow()) > 0);
        }
        HttpResponse<String> refused = https.get("/v1/datasets", busy);
        assertEquals(429, refused.statusCode());
        assertEquals("rate_limit_exceeded", error(refused));
        long retry = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retry > 600 && retry <= 720, "about 12 minutes until one of 5 an hour comes back: " + retry);
        assertEquals(200, https.get("/v1/datasets", lab.ownerKey()).statusCode(), "the owner's key has its own");

        String wrong = "sr_live_" + "x".repeat(40);
        for (int i = 0; i < 4; i++) {
            assertEquals(401, https.get("/v1/datasets", wrong).statusCode());
        }
        HttpResponse<String> blocked = https.get("/v1/datasets", lab.ownerKey());
        assertEquals(429, blocked.statusCode(), "the address is blocked, whatever key it sends now");
        assertEquals("too_many_failed_authentications", error(blocked));
        long wait = Long.parseLong(blocked.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(wait > 500 && wait <= 600, Long.toString(wait));
        assertEquals(200, https.get("/health/live", null).statusCode(), "health checks are not /v1/");

        ApplianceProcess.Result audit = ApplianceProcess.run(lab.home, lab.config, lab.env, "audit", "export");
        assertEquals(0, audit.exitCode(), audit.output());
        long failed = audit.output()
                .lines()
                .filter(l -> l.contains("\"auth.failed\""))
                .count();
        assertEquals(4, failed, "each wrong key is recorded: " + audit.output());
        assertTrue(audit.output().contains("\"auth.address_blocked\""), audit.output());
        assertFalse(audit.output().contains(wrong), "the presented key is not recorded");
    }
}
