package com.strongroom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * conf/strongroom.yaml is the production example operators copy. It must load with the real
 * StrongroomConfig and hold only keys the code reads: ConfigReader silently ignores unknown keys,
 * so a misspelled key in the example would teach operators a setting that does nothing.
 */
class ProductionConfigExampleTest {
    /** Tests run with the module directory (appliance/) as working directory. */
    private static final Path EXAMPLE = Path.of("..", "conf", "strongroom.yaml");

    private static final String VENDOR_MODULE = "/opt/hsm-vendor/lib/libpkcs11.so";

    /**
     * Keys StrongroomConfig.create reads that have no entry in strongroom-defaults.yaml (they are
     * optional). Keep in step with StrongroomConfig.create.
     */
    private static final Set<String> OPTIONAL_KEYS = Set.of("server.host-names", "hsm.pin-credential");

    @TempDir
    Path dir;

    @Test
    void example_holdsOnlyKeysTheCodeReads() {
        Set<String> allowed = new TreeSet<>(keys(defaults()));
        allowed.addAll(OPTIONAL_KEYS);
        Set<String> unknown = new TreeSet<>(keys(fileConfig(EXAMPLE)));
        unknown.removeAll(allowed);
        assertTrue(unknown.isEmpty(), "conf/strongroom.yaml has keys the code does not read: " + unknown);
    }

    @Test
    void keyCheck_catchesAMisspelledKey() throws Exception {
        Path misspelled = dir.resolve("misspelled.yaml");
        Files.writeString(misspelled, "hsm:\n  kek-lable: strongroom-kek\n  pin: \"1234\"\n");
        Set<String> found = keys(fileConfig(misspelled));
        found.removeAll(keys(defaults()));
        assertEquals(Set.of("hsm.kek-lable", "hsm.pin"), found);
    }

    @Test
    void exampleAsShipped_isRefusedOnlyBecauseTheVendorModuleIsNotInstalledHere() {
        assumeFalse(Files.exists(Path.of(VENDOR_MODULE)), "the example's vendor module exists on this machine");
        InvalidConfigException e =
                assertThrows(InvalidConfigException.class, () -> StrongroomConfig.load(EXAMPLE, Map.of()));
        assertTrue(e.getMessage().contains("'hsm.module'") && e.getMessage().contains(VENDOR_MODULE), e.getMessage());
    }

    @Test
    void example_loadsWithTheValuesItDocuments() throws Exception {
        // StrongroomConfig only checks that hsm.module is a regular file, so a stand-in file is
        // enough; every other value comes from the example exactly as shipped.
        Path module = Files.createFile(dir.resolve("libpkcs11.so"));
        StrongroomConfig c = StrongroomConfig.create(
                Config.builder()
                        .disableEnvironmentVariablesSource()
                        .disableSystemPropertiesSource()
                        .addSource(ConfigSources.create(standIns(module)))
                        .addSource(ConfigSources.file(EXAMPLE))
                        .addSource(ConfigSources.classpath("strongroom-defaults.yaml"))
                        .build(),
                Map.of());

        Path home = Path.of("/var/lib/strongroom");
        assertEquals(home, c.home());
        assertEquals("10.20.30.40", c.server().host());
        assertEquals(8443, c.server().httpsPort());
        assertEquals(8080, c.server().httpPort());
        assertEquals(home.resolve("tls"), c.server().tlsDir());
        assertEquals(
                List.of("search.example.internal", "10.20.30.40"), c.server().hostNames());

        assertEquals(module, c.hsm().module());
        assertEquals("strongroom-prod", c.hsm().tokenLabel());
        assertEquals("strongroom-kek", c.hsm().kekLabel());
        assertEquals("strongroom-hsm-pin", c.hsm().pinCredential());
        assertEquals(Duration.ofSeconds(2), c.hsm().probeInterval());
        assertFalse(c.crypto().allowPureJava());

        assertEquals(
                List.of("nfs", "offsite"),
                c.backup().targets().stream().map(t -> t.name()).toList());
        assertEquals(Duration.ofHours(6), c.backup().snapshotInterval());
        assertEquals(Duration.ofSeconds(30), c.backup().journalInterval());
        assertEquals(Duration.ofDays(7), c.backup().shredWindow());
        assertEquals(
                Path.of("/mnt/backup/strongroom"), c.backup().targets().get(0).path());
        assertEquals("strongroom-backups", c.backup().targets().get(1).s3().bucket());
        assertEquals("prod/", c.backup().targets().get(1).s3().prefix());

        assertEquals(home.resolve("keyring/keyring"), c.keyringFile());
        assertEquals(home.resolve("data/metadata"), c.metadataFile());
        assertEquals(home.resolve("bootstrap/owner-api-key"), c.bootstrapKeyFile());
    }

    @Test
    void environment_stillOverridesTheExample() throws Exception {
        Path module = Files.createFile(dir.resolve("libpkcs11.so"));
        StrongroomConfig c = StrongroomConfig.create(
                Config.builder()
                        .disableEnvironmentVariablesSource()
                        .disableSystemPropertiesSource()
                        .addSource(ConfigSources.create(standIns(module)))
                        .addSource(ConfigSources.file(EXAMPLE))
                        .addSource(ConfigSources.classpath("strongroom-defaults.yaml"))
                        .build(),
                Map.of(
                        "STRONGROOM_HOME",
                        dir.toString(),
                        "STRONGROOM_HTTPS_PORT",
                        "9443",
                        "STRONGROOM_HTTP_PORT",
                        "-1"));
        assertEquals(dir, c.home());
        assertEquals(9443, c.server().httpsPort());
        assertEquals(-1, c.server().httpPort());
    }

    /**
     * StrongroomConfig checks that hsm.module and the S3 credential files exist, so stand-in files
     * are enough; every other value comes from the example exactly as shipped.
     */
    private Map<String, String> standIns(Path module) throws java.io.IOException {
        Path keyId = Files.writeString(dir.resolve("s3-access-key-id"), "stand-in");
        Path secret = Files.writeString(dir.resolve("s3-secret-access-key"), "stand-in");
        return Map.of(
                "hsm.module",
                module.toString(),
                "backup.targets.1.access-key-id-file",
                keyId.toString(),
                "backup.targets.1.secret-access-key-file",
                secret.toString());
    }

    private static Config fileConfig(Path file) {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.file(file))
                .build();
    }

    private static Config defaults() {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.classpath("strongroom-defaults.yaml"))
                .build();
    }

    /** Dotted keys of every value; a list counts as one key (its elements are not keys). */
    private static Set<String> keys(Config config) {
        return config.traverse()
                .filter(node -> node.type() == Config.Type.VALUE || node.type() == Config.Type.LIST)
                .map(node -> node.key().toString().replaceAll("\\.\\d+(\\..*)?$", ""))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
