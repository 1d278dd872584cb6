package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.testing.Https;
import com.strongroom.testing.LabAppliance;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A key's budget is the key's, however the Authorization header spells the scheme and spaces. */
class RateLimitIdentityEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static LabAppliance lab;
    private static Https https;

    @BeforeAll
    static void start() throws Exception {
        lab = LabAppliance.start(dir, "server:\n  rate-limit-per-hour: 6\n");
        https = lab.https();
    }

    @AfterAll
    static void stop() throws Exception {
        lab.close();
    }

    private static HttpResponse<String> getWith(String authorization) throws Exception {
        return https.sendWithHeader("GET", "/v1/datasets", null, new byte[0], "Authorization", authorization);
    }

    @Test
    void oneKey_oneBudget_whateverTheHeaderSpelling() throws Exception {
        HttpResponse<String> created = https.post("/v1/api-keys", lab.ownerKey(), "{\"name\":\"spelled\"}");
        assertEquals(201, created.statusCode(), created.body());
        String key = JSON.readTree(created.body()).get("key").asText();
        List<String> spellings = List.of(
                "Bearer " + key,
                "bearer " + key,
                "BEARER " + key,
                "Bearer   " + key,
                "bEaReR " + key + "  ",
                "Bearer \t" + key);
        int remaining = 5;
        for (String spelling : spellings) {
            HttpResponse<String> r = getWith(spelling);
            assertEquals(200, r.statusCode(), "'" + spelling.replace(key, "KEY") + "' authenticates: " + r.body());
            assertEquals(
                    Integer.toString(remaining--),
                    r.headers().firstValue("X-RateLimit-Remaining").orElseThrow(),
                    "'" + spelling.replace(key, "KEY") + "' draws on the same budget");
        }
        for (String spelling : spellings) {
            HttpResponse<String> r = getWith(spelling);
            assertEquals(429, r.statusCode(), "'" + spelling.replace(key, "KEY") + "' gets no fresh budget");
            assertEquals(
                    "rate_limit_exceeded", JSON.readTree(r.body()).get("error").asText());
        }
        assertEquals(200, https.get("/v1/datasets", lab.ownerKey()).statusCode(), "another key has its own");
    }
}
