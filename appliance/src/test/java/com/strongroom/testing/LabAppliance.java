package com.strongroom.testing;

import com.strongroom.OperatorStores;
import com.strongroom.auth.ApiKeys;
import com.strongroom.auth.Organizations;
import com.strongroom.auth.Principal;
import com.strongroom.auth.Role;
import com.strongroom.config.StrongroomConfig;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.Keyring;
import com.strongroom.store.H2Database;
import com.strongroom.store.MetadataStore;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A lab appliance in its own STRONGROOM_HOME and SoftHSM2 token, initialised with the CLI and
 * served by a child JVM, as an operator would run it. {@link #restart} and {@link #kill} act on
 * the server process by its PID.
 */
public final class LabAppliance implements AutoCloseable {
    public final Path home;
    public final Path config;
    public final Map<String, String> env;
    public final int httpsPort;
    private final Path dir;
    private final String tokenLabel;
    private ApplianceProcess serve;
    private Https https;
    private String ownerKey;
    private int starts;

    private LabAppliance(Path dir, Path home, Path config, Map<String, String> env, int httpsPort, String tokenLabel) {
        this.dir = dir;
        this.tokenLabel = tokenLabel;
        this.home = home;
        this.config = config;
        this.env = env;
        this.httpsPort = httpsPort;
    }

    /** Creates the token and KEK with the CLI, then starts serving and waits until ready. */
    public static LabAppliance start(Path dir, String extraYaml) throws Exception {
        return startOnPort(dir, extraYaml, freePort());
    }

    /** As {@link #start}, on a chosen HTTPS port (for redirect URIs registered before the start). */
    public static LabAppliance startOnPort(Path dir, String extraYaml, int httpsPort) throws Exception {
        Path home = dir.resolve("home");
        String token = "lab-" + UUID.randomUUID().toString().substring(0, 8);
        Path config = dir.resolve("strongroom.yaml");
        Files.writeString(config, "hsm:\n  token-label: " + token + "\n  probe-interval: 1s\n" + extraYaml);
        LabHsm.writeSecret(home.resolve("hsm/user.pin"), UUID.randomUUID().toString());
        Path soPin = LabHsm.writeSecret(dir.resolve("so.pin"), UUID.randomUUID().toString());
        Map<String, String> env = Map.of(
                "STRONGROOM_HTTPS_PORT",
                Integer.toString(httpsPort),
                "STRONGROOM_HTTP_PORT",
                Integer.toString(freePort()));
        ApplianceProcess.Result r =
                ApplianceProcess.run(home, config, env, "keys", "init-token", "--so-pin-file", soPin.toString());
        if (r.exitCode() != 0) {
            throw new AssertionError(r.output());
        }
        r = ApplianceProcess.run(home, config, env, "keys", "init", "--create-kek");
        if (r.exitCode() != 0) {
            throw new AssertionError(r.output());
        }
        LabAppliance lab = new LabAppliance(dir, home, config, env, httpsPort, token);
        lab.serve();
        return lab;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void serve() throws Exception {
        Path log = dir.resolve("serve-" + (++starts) + ".log");
        serve = ApplianceProcess.serve(home, config, env, log);
        Path cert = home.resolve("tls/server.crt");
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!Files.exists(cert)) {
            if (!serve.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("appliance did not start:\n" + serve.output());
            }
            Thread.sleep(200);
        }
        https = new Https(cert, httpsPort);
        https.awaitStatus("/health/ready", null, 200, Duration.ofSeconds(90));
        ownerKey = Files.readString(home.resolve("bootstrap/owner-api-key")).trim();
    }

    /** Runs a CLI command against this home and configuration, as an operator on the host would. */
    public ApplianceProcess.Result cli(String... args) throws Exception {
        return ApplianceProcess.run(home, config, env, args);
    }

    /**
     * Serves another home (e.g. one a restore made) with this lab's token and PIN, on free ports,
     * without backups of its own; {@code extraYaml} is added to its configuration.
     */
    public ApplianceProcess serveOther(Path otherHome, String extraYaml, int httpsPort, Path log) throws Exception {
        Path cfg = otherHome.resolveSibling(otherHome.getFileName() + ".yaml");
        Files.writeString(
                cfg,
                "hsm:\n  token-label: " + tokenLabel + "\n  pin-file: " + home.resolve("hsm/user.pin")
                        + "\n  probe-interval: 1s\nbackup:\n  enabled: false\n" + extraYaml);
        return ApplianceProcess.serve(
                otherHome,
                cfg,
                Map.of(
                        "STRONGROOM_HTTPS_PORT",
                        Integer.toString(httpsPort),
                        "STRONGROOM_HTTP_PORT",
                        Integer.toString(freePort())),
                log);
    }

    public static int freeTcpPort() throws Exception {
        return freePort();
    }

    /**
     * A free port below the kernel's ephemeral range (32768 and up on Linux), for a port chosen
     * long before the appliance binds it (redirect URIs registered first): an outgoing connection
     * made meanwhile can take any free ephemeral port as its local port, never this one.
     */
    public static int portOutsideEphemeralRange() throws Exception {
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 20000 + random.nextInt(12000);
            try (ServerSocket s = new ServerSocket(port)) {
                return s.getLocalPort();
            } catch (java.io.IOException taken) {
                // try another
            }
        }
        return freePort();
    }

    public Https https() {
        return https;
    }

    /** The bootstrap owner key of the default organization. */
    public String ownerKey() {
        return ownerKey;
    }

    public String log() throws Exception {
        StringBuilder all = new StringBuilder();
        for (int i = 1; i <= starts; i++) {
            all.append(Files.readString(dir.resolve("serve-" + i + ".log")));
        }
        return all.toString();
    }

    public long pid() {
        return serve.pid();
    }

    /** SIGKILL: no shutdown hook, no final commit. */
    public void kill() throws Exception {
        ProcessHandle.of(serve.pid()).ifPresent(ProcessHandle::destroyForcibly);
        while (serve.isAlive()) {
            Thread.sleep(50);
        }
    }

    /** Starts serving again on the same home, ports and token. */
    public void restart() throws Exception {
        if (serve.isAlive()) {
            serve.stop(Duration.ofSeconds(30));
        }
        serve();
    }

    /**
     * A second organization with its own owner key ("*" scope). There is no API for organizations
     * yet, so this does what an operator tool would: stops the server, opens the metadata database
     * with the lab token's keys in this JVM, writes, and serves again.
     */
    public String addOrganization(String name) throws Exception {
        return offline(s -> {
            String organization = new Organizations(s.metadata()).create(name);
            return s.apiKeys()
                    .create(organization, name + " owner", Role.OWNER, Set.of("*"), true)
                    .secret();
        });
    }

    /** A key of the default organization with the given role and scopes (see {@link #addOrganization}). */
    public String addApiKey(Role role, Set<String> scopes) throws Exception {
        return offline(s -> {
            Principal owner = s.apiKeys().authenticate(ownerKey).orElseThrow();
            return s.apiKeys()
                    .create(owner.organizationId(), "test " + role, role, scopes, true)
                    .secret();
        });
    }

    private record OfflineStores(MetadataStore metadata, ApiKeys apiKeys) {}

    private interface OfflineWork {
        String apply(OfflineStores stores) throws Exception;
    }

    private String offline(OfflineWork work) throws Exception {
        serve.stop(Duration.ofSeconds(30));
        Map<String, String> fullEnv = new HashMap<>(env);
        fullEnv.put("STRONGROOM_HOME", home.toString());
        StrongroomConfig cfg = StrongroomConfig.load(config, fullEnv);
        String result;
        try (H2Database keyring = OperatorStores.openKeyring(cfg);
                KeyManager keys = KeyManager.create(new Keyring(keyring), OperatorStores.hsmSettings(cfg))) {
            MetadataStore metadata = new MetadataStore(cfg.metadataFile());
            keys.addListener(metadata);
            if (!keys.unseal()) {
                throw new AssertionError("lab keys unreachable: " + keys.sealedReason());
            }
            result = work.apply(new OfflineStores(metadata, new ApiKeys(metadata, keys)));
        }
        serve();
        return result;
    }

    @Override
    public void close() throws Exception {
        if (serve != null) {
            serve.close();
        }
    }
}
