package com.strongroom.testing;

import com.strongroom.Appliance;
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
 * A lab appliance in its own STRONGROOM_HOME and SoftHSM2 token, initialised with the CLI (in this
 * JVM, as picocli runs it for {@code java -jar}) and served by the real {@link Appliance}: the
 * same configuration loading, keys, stores, routing and HTTPS listener as {@code serve}. By
 * default it serves inside the test JVM, which saves a JVM start and warm-up per appliance; its
 * log records are written to a file as {@code serve} prints them. {@link #startProcess} serves
 * from a child JVM instead, for what only a real process shows: {@link #kill} (SIGKILL by PID)
 * and {@link #pid}.
 */
public final class LabAppliance implements AutoCloseable {
    public final Path home;
    public final Path config;
    public final Map<String, String> env;
    public final int httpsPort;
    private final Path dir;
    private final String tokenLabel;
    private final boolean childProcess;
    private Served serve;
    private Https https;
    private String ownerKey;
    private String operatorKey;
    private int starts;

    private LabAppliance(
            Path dir,
            Path home,
            Path config,
            Map<String, String> env,
            int httpsPort,
            String tokenLabel,
            boolean childProcess) {
        this.dir = dir;
        this.childProcess = childProcess;
        this.tokenLabel = tokenLabel;
        this.home = home;
        this.config = config;
        this.env = env;
        this.httpsPort = httpsPort;
    }

    /** Creates the token and KEK with the CLI, then starts serving in this JVM and waits until ready. */
    public static LabAppliance start(Path dir, String extraYaml) throws Exception {
        return startOnPort(dir, extraYaml, freePort());
    }

    /** As {@link #start}, on a chosen HTTPS port (for redirect URIs registered before the start). */
    public static LabAppliance startOnPort(Path dir, String extraYaml, int httpsPort) throws Exception {
        return create(dir, extraYaml, httpsPort, false);
    }

    /** As {@link #start}, served by a child JVM: for tests that kill the process or read its threads. */
    public static LabAppliance startProcess(Path dir, String extraYaml) throws Exception {
        return create(dir, extraYaml, freePort(), true);
    }

    private static LabAppliance create(Path dir, String extraYaml, int httpsPort, boolean childProcess)
            throws Exception {
        Path home = dir.resolve("home");
        String token = "lab-" + UUID.randomUUID().toString().substring(0, 8);
        Path config = dir.resolve("strongroom.yaml");
        // The home in the file too, so that the CLI run in this JVM (whose environment names no
        // home) finds it; the environment below says the same for child JVMs.
        Files.writeString(
                config,
                "strongroom:\n  home: " + home + "\nhsm:\n  token-label: " + token + "\n  probe-interval: 1s\n"
                        + extraYaml);
        LabHsm.writeSecret(home.resolve("hsm/user.pin"), UUID.randomUUID().toString());
        Path soPin = LabHsm.writeSecret(dir.resolve("so.pin"), UUID.randomUUID().toString());
        Map<String, String> env = Map.of(
                "STRONGROOM_HTTPS_PORT",
                Integer.toString(httpsPort),
                "STRONGROOM_HTTP_PORT",
                Integer.toString(freePort()));
        cliHere(config, home, "keys", "init-token", "--so-pin-file", soPin.toString());
        cliHere(config, home, "keys", "init", "--create-kek");
        LabAppliance lab = new LabAppliance(dir, home, config, env, httpsPort, token, childProcess);
        lab.serve();
        return lab;
    }

    /** A CLI command run by picocli in this JVM, as Main runs it, that must succeed. */
    private static void cliHere(Path config, Path home, String... args) throws Exception {
        ApplianceProcess.Result r = InProcessCli.run(config, home, Map.of(), args);
        if (r.exitCode() != 0) {
            throw new AssertionError(String.join(" ", args) + " exited " + r.exitCode() + ": " + r.output());
        }
    }

    /** What a shell on the host gives a command for this home: this JVM's environment, {@code env} and the home. */
    static Map<String, String> shellEnvironment(Path home, Map<String, String> env) {
        Map<String, String> all = new HashMap<>(System.getenv());
        all.putAll(env);
        all.put("STRONGROOM_HOME", home.toString());
        return all;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void serve() throws Exception {
        Path log = dir.resolve("serve-" + (++starts) + ".log");
        serve = childProcess
                ? new ChildServer(ApplianceProcess.serve(home, config, env, log))
                : InProcessServer.start(config, home, env, log);
        Path cert = home.resolve("tls/server.crt");
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!Files.exists(cert)) {
            if (!serve.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("appliance did not start:\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
        https = new Https(cert, httpsPort);
        https.awaitStatus("/health/ready", null, 200, Duration.ofSeconds(90));
        // The tests' "no secret in the log" checks mean something only if the log is really captured.
        if (!Files.readString(log).contains("Strongroom is listening on")) {
            throw new AssertionError("the appliance's log did not reach " + log);
        }
        ownerKey = Files.readString(home.resolve("bootstrap/owner-api-key")).trim();
        operatorKey =
                Files.readString(home.resolve("bootstrap/operator-api-key")).trim();
    }

    /**
     * Runs a CLI command against this home and configuration, as an operator on the host would, in
     * this JVM (the command's output and the log records written meanwhile come back).
     */
    public ApplianceProcess.Result cli(String... args) throws Exception {
        return InProcessCli.run(config, home, env, args);
    }

    /** As {@link #cli}, in a child JVM: for what only another process shows (locks, a second H2 client). */
    public ApplianceProcess.Result cliProcess(String... args) throws Exception {
        return ApplianceProcess.run(home, config, env, args);
    }

    /** Runs a CLI command with the service stopped (as after systemctl stop), then serves again. */
    public ApplianceProcess.Result cliStopped(String... args) throws Exception {
        serve.stop();
        try {
            return cli(args);
        } finally {
            serve();
        }
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

    /** The bootstrap operator key: the appliance-wide /v1/system/* endpoints, held on the host. */
    public String operatorKey() {
        return operatorKey;
    }

    /** The lab's SoftHSM2 token, for tests that take its key away (seal) and give it back. */
    public LabHsm.Token token() {
        return new LabHsm.Token(tokenLabel, home.resolve("hsm/user.pin"), dir.resolve("so.pin"));
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
        return child().pid();
    }

    /** SIGKILL: no shutdown hook, no final commit. */
    public void kill() throws Exception {
        ApplianceProcess p = child();
        ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
        while (p.isAlive()) {
            Thread.sleep(50);
        }
    }

    private ApplianceProcess child() {
        if (!(serve instanceof ChildServer c)) {
            throw new IllegalStateException("this appliance serves inside the test JVM: start it with startProcess");
        }
        return c.process();
    }

    /** Stops serving (a clean shutdown), e.g. to change files on disk before {@link #restart}. */
    public void stop() throws Exception {
        if (serve.isAlive()) {
            serve.stop();
        }
    }

    /** Starts serving again on the same home, ports and token. */
    public void restart() throws Exception {
        if (serve.isAlive()) {
            serve.stop();
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

    /** Work on the open metadata database, see {@link #offlineMetadata}. */
    public interface MetadataWork {
        void apply(java.sql.Connection connection) throws Exception;
    }

    /**
     * Runs {@code work} on the metadata database while the server is stopped, as an operator tool
     * (or someone with the disk) would, then serves again: for tests of damaged rows.
     */
    public void offlineMetadata(MetadataWork work) throws Exception {
        offline(s -> {
            try (java.sql.Connection c = s.metadata().db().connection()) {
                work.apply(c);
            }
            return "";
        });
    }

    private record OfflineStores(MetadataStore metadata, ApiKeys apiKeys) {}

    private interface OfflineWork {
        String apply(OfflineStores stores) throws Exception;
    }

    private String offline(OfflineWork work) throws Exception {
        serve.stop();
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
        if (serve != null && serve.isAlive()) {
            serve.stop();
        }
    }

    /** What serves the home: a child JVM or an {@link Appliance} in this one. */
    private interface Served {
        boolean isAlive();

        void stop() throws Exception;
    }

    private record ChildServer(ApplianceProcess process) implements Served {
        @Override
        public boolean isAlive() {
            return process.isAlive();
        }

        @Override
        public void stop() throws Exception {
            process.stop(Duration.ofSeconds(30));
        }
    }

    /** {@code serve} without the JVM around it: the configuration loaded as ConfigOption loads it. */
    private static final class InProcessServer implements Served {
        private final CapturedLog log;
        private Appliance appliance;

        private InProcessServer(CapturedLog log) {
            this.log = log;
        }

        static InProcessServer start(Path config, Path home, Map<String, String> env, Path logFile) throws Exception {
            Map<String, String> all = shellEnvironment(home, env);
            InProcessServer s = new InProcessServer(CapturedLog.to(logFile));
            try {
                s.appliance = Appliance.start(StrongroomConfig.load(config, all));
            } catch (Exception | Error e) {
                java.util.logging.Logger.getLogger(LabAppliance.class.getName())
                        .log(java.util.logging.Level.SEVERE, "serve failed", e);
                s.log.close();
                return s;
            }
            return s;
        }

        @Override
        public boolean isAlive() {
            return appliance != null;
        }

        @Override
        public void stop() {
            try {
                if (appliance != null) {
                    appliance.close();
                }
            } finally {
                appliance = null;
                log.close();
            }
        }
    }
}
