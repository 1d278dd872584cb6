package com.strongroom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.webhooks.Destinations;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** webhooks.allow-targets, delivery-timeout and workers: read, defaulted and refused at start-up. */
class WebhookTargetsConfigTest {
    @TempDir
    Path dir;

    private StrongroomConfig load(String yaml) throws Exception {
        Path file = dir.resolve("strongroom.yaml");
        Files.writeString(file, yaml);
        return StrongroomConfig.load(file, Map.of("STRONGROOM_HOME", dir.toString()));
    }

    private String failure(String yaml) {
        return assertThrows(InvalidConfigException.class, () -> load(yaml)).getMessage();
    }

    @Test
    void defaults_allowNoInternalTarget() throws Exception {
        StrongroomConfig.Webhooks w = load("").webhooks();
        assertTrue(w.allowTargets().isEmpty());
        assertEquals(Duration.ofSeconds(10), w.deliveryTimeout());
        assertEquals(4, w.workers());
    }

    @Test
    void entries_coverTheirBlockAndPortOnly() throws Exception {
        StrongroomConfig.Webhooks w =
                load("webhooks:\n  allow-targets: [\"10.20.0.0/16\", \"127.0.0.1:8443\", \"[fd00::/8]:443\"]\n")
                        .webhooks();
        Destinations d = new Destinations(w.allowTargets());
        assertNull(d.refusal(InetAddress.ofLiteral("10.20.5.6"), 443));
        assertTrue(d.refusal(InetAddress.ofLiteral("10.21.0.1"), 443).contains("private"));
        assertNull(d.refusal(InetAddress.ofLiteral("127.0.0.1"), 8443));
        assertTrue(d.refusal(InetAddress.ofLiteral("127.0.0.1"), 8444).contains("loopback"));
        assertNull(d.refusal(InetAddress.ofLiteral("::ffff:127.0.0.1"), 8443), "mapped form judged as IPv4");
        assertNull(d.refusal(InetAddress.ofLiteral("fd00::5"), 443));
        assertTrue(d.refusal(InetAddress.ofLiteral("fd00::5"), 80).contains("unique local"));
    }

    @Test
    void badEntries_nameTheKey() {
        for (String bad : new String[] {"hooks.internal", "10.0.0.0/33", "127.0.0.1:70000", "[::1", "10.0.0.1:"}) {
            String message = failure("webhooks:\n  allow-targets: [\"" + bad + "\"]\n");
            assertTrue(message.contains("webhooks.allow-targets") && message.contains(bad), message);
        }
        assertTrue(failure("webhooks:\n  delivery-timeout: 10m\n").contains("webhooks.delivery-timeout"));
        assertTrue(failure("webhooks:\n  workers: 0\n").contains("webhooks.workers"));
    }
}
