package com.strongroom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StrongroomConfigTest {
    @TempDir
    Path dir;

    private StrongroomConfig load(String yaml, Map<String, String> env) throws Exception {
        Path file = dir.resolve("strongroom.yaml");
        Files.writeString(file, yaml);
        return StrongroomConfig.load(file, env);
    }

    private String failure(String yaml, Map<String, String> env) {
        return assertThrows(InvalidConfigException.class, () -> load(yaml, env)).getMessage();
    }

    @Test
    void embeddedDefaults_areTheLabAppliance() {
        StrongroomConfig c = StrongroomConfig.load(null, Map.of("STRONGROOM_HOME", dir.toString()));
        assertEquals(dir, c.home());
        assertEquals(8443, c.server().httpsPort());
        assertEquals(8080, c.server().httpPort());
        assertEquals("127.0.0.1", c.server().host());
        assertEquals("strongroom-lab", c.hsm().tokenLabel());
        assertEquals("strongroom-kek", c.hsm().kekLabel());
        assertEquals(dir.resolve("hsm/user.pin"), c.hsm().pinFile());
        assertEquals(dir.resolve("tls"), c.server().tlsDir());
        assertEquals(Duration.ofSeconds(2), c.hsm().probeInterval());
        assertEquals(com.strongroom.crypto.TlsProfile.STANDARD, c.server().tlsProfile());
    }

    @Test
    void tlsProfile_isStandardOrFips_andAnythingElseNamesTheKey() throws Exception {
        assertEquals(
                com.strongroom.crypto.TlsProfile.FIPS,
                load("server:\n  tls-profile: fips\n", Map.of()).server().tlsProfile());
        String message = failure("server:\n  tls-profile: fips140\n", Map.of());
        assertTrue(message.contains("server.tls-profile") && message.contains("standard or fips"), message);
    }

    @Test
    void environment_overridesPorts() throws Exception {
        StrongroomConfig c = load("", Map.of("STRONGROOM_HTTPS_PORT", "9443", "STRONGROOM_HTTP_PORT", "9080"));
        assertEquals(9443, c.server().httpsPort());
        assertEquals(9080, c.server().httpPort());
    }

    @Test
    void badPortFromEnvironment_namesKeyAndVariable() {
        String message = failure("", Map.of("STRONGROOM_HTTPS_PORT", "https"));
        assertTrue(message.contains("server.https-port") && message.contains("$STRONGROOM_HTTPS_PORT"), message);
    }

    @Test
    void overlongTokenLabel_namesKey() {
        assertTrue(failure("hsm:\n  token-label: " + "x".repeat(33) + "\n", Map.of())
                .contains("hsm.token-label"));
    }

    @Test
    void missingPkcs11Module_namesKey() {
        String message = failure("hsm:\n  module: /nowhere/libpkcs11.so\n", Map.of());
        assertTrue(message.contains("hsm.module") && message.contains("/nowhere/libpkcs11.so"), message);
    }

    @Test
    void unreadableDuration_namesKey() {
        assertTrue(failure("hsm:\n  probe-interval: soon\n", Map.of()).contains("hsm.probe-interval"));
        assertTrue(failure("hsm:\n  probe-interval: 1m\n", Map.of()).contains("hsm.probe-interval"));
    }

    @Test
    void missingConfigFile_isNamed() {
        String message = assertThrows(
                        InvalidConfigException.class, () -> StrongroomConfig.load(dir.resolve("nope.yaml"), Map.of()))
                .getMessage();
        assertTrue(message.contains("nope.yaml"), message);
    }

    @Test
    void indexSettings_haveSafeDefaults_andSizesParse() throws Exception {
        StrongroomConfig c = StrongroomConfig.load(null, Map.of("STRONGROOM_HOME", dir.toString()));
        assertEquals(dir.resolve("data/indexes"), c.index().root());
        assertEquals(256L << 20, c.index().pageCacheBytes());
        assertEquals(16 << 10, c.index().pageSize());
        StrongroomConfig custom = load("index:\n  page-cache: 2GiB\n  page-size: 64KiB\n  vector-cache: 0\n", Map.of());
        assertEquals(2L << 30, custom.index().pageCacheBytes());
        assertEquals(64 << 10, custom.index().pageSize());
        assertEquals(0, custom.index().vectorCacheBytes());
    }

    @Test
    void badIndexSettings_nameTheKey() {
        assertTrue(failure("index:\n  page-size: 12KiB\n", Map.of()).contains("index.page-size"));
        assertTrue(failure("index:\n  page-size: 128KiB\n", Map.of()).contains("index.page-size"));
        assertTrue(failure("index:\n  page-cache: lots\n", Map.of()).contains("index.page-cache"));
        assertTrue(
                failure("index:\n  page-cache: 99999999999999GiB\n", Map.of()).contains("index.page-cache"));
    }

    @Test
    void anOpenAiCompatibleModel_needsItsSettings_andNamesTheMissingOne() throws Exception {
        StrongroomConfig c = load(
                "embedding:\n  provider: openai-compatible\n  base-url: https://embed.corp.example/v1\n"
                        + "  model: e5-large\n  dimensions: 1024\n  api-key-file: secrets/embed.key\n",
                Map.of());
        assertEquals("e5-large", c.embedding().model());
        assertEquals(1024, c.embedding().dimensions());
        assertEquals(c.home().resolve("secrets/embed.key"), c.embedding().apiKeyFile());
        assertTrue(failure("embedding:\n  provider: openai-compatible\n  base-url: https://x.example\n", Map.of())
                .contains("embedding.model"));
        assertTrue(failure(
                        "embedding:\n  provider: openai-compatible\n  base-url: ftp://x\n  model: m\n  dimensions: 8\n",
                        Map.of())
                .contains("embedding.base-url"));
        assertTrue(failure("embedding:\n  provider: magic\n", Map.of()).contains("embedding.provider"));
    }
}
