package com.strongroom.config;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration, typed and validated once at start-up. Defaults come from
 * {@code strongroom-defaults.yaml} on the class path; an operator's file overrides them; the
 * variables STRONGROOM_HOME, STRONGROOM_HTTPS_PORT and STRONGROOM_HTTP_PORT override both.
 */
public record StrongroomConfig(
        Path home,
        Server server,
        Hsm hsm,
        Crypto crypto,
        Index index,
        Embedding embedding,
        Chunking chunking,
        Documents documents,
        Webhooks webhooks,
        Retention retention,
        OAuth oauth,
        com.strongroom.sso.SsoSettings sso,
        com.strongroom.backup.BackupSettings backup,
        com.strongroom.datasets.Quotas quotas,
        Ingest ingest,
        Reencryption reencryption) {

    /**
     * @param limits requests an API key and a client address may make, and how repeated failed
     *     sign-ins block an address
     * @param corsOrigins browser origins allowed to call the API cross-site; empty = none
     */
    public record Server(
            String host,
            int httpsPort,
            int httpPort,
            Path tlsDir,
            com.strongroom.crypto.TlsProfile tlsProfile,
            List<String> hostNames,
            RateLimits limits,
            List<String> corsOrigins) {}

    /**
     * @param perKeyPerHour requests per API key an hour on /v1/; 0 = no limit
     * @param perAddressPerHour requests per client address an hour on /v1/, keys or not; 0 = no limit
     * @param authFailures failed authentications an address may make within {@code authFailureWindow}
     *     before it is blocked for {@code authBlock}; 0 = never block
     */
    public record RateLimits(
            int perKeyPerHour,
            int perAddressPerHour,
            int authFailures,
            Duration authFailureWindow,
            Duration authBlock) {}

    /** The PIN is only ever a path to a file (or a systemd credential), never a value. */
    public record Hsm(
            Path module,
            String tokenLabel,
            String kekLabel,
            Path pinFile,
            String pinCredential,
            Duration probeInterval) {}

    public record Crypto(boolean allowPureJava) {}

    /** Encrypted dataset indexes; the cache sizes apply to each open dataset. */
    public record Index(Path root, long pageCacheBytes, long vectorCacheBytes, int pageSize, Duration commitInterval) {}

    /** The built-in model: texts per ONNX call, and threads (0 = every core). */
    /**
     * The model: {@code builtin} runs all-MiniLM-L6-v2 in-process (batch size, threads; 0 = every
     * core); {@code openai-compatible} calls an endpoint in the customer's network, whose model
     * name, dimension, base URL, API key file and timeout are then required.
     */
    public record Embedding(
            String provider,
            int batchSize,
            int threads,
            java.net.URI baseUrl,
            String model,
            int dimensions,
            Path apiKeyFile,
            Duration timeout) {}

    public record Chunking(int maxChars, int overlapChars) {}

    /**
     * @param maxBytes largest upload
     * @param extractionTimeBudget time one document's text extraction may take before it fails
     * @param uploadBytesInFlight upload bodies held at once, all clients together; beyond it 503
     */
    public record Documents(long maxBytes, Duration extractionTimeBudget, long uploadBytesInFlight) {}

    /**
     * @param retryBaseDelay delay before a document is tried again after its first fault
     * @param retryMaxDelay cap of the doubling delay between later attempts
     */
    public record Ingest(Duration retryBaseDelay, Duration retryMaxDelay) {}

    /**
     * The background pass after a data-key rotation: at most {@code bytesPerSecond} rewritten (so
     * queries keep their latency), a look every {@code interval}, and an old version retired once
     * nothing has used it for {@code retireAfter} since it stopped being primary.
     */
    public record Reencryption(long bytesPerSecond, Duration interval, Duration retireAfter) {}

    /**
     * @param softDeletedDatasets how long a deleted dataset stays restorable before it is purged
     *     and its key shredded
     * @param purgeInterval how often the purge job looks for datasets past that window
     */
    public record Retention(Duration softDeletedDatasets, Duration purgeInterval) {}

    /**
     * Bearer access tokens from the customer's Keycloak realm; off (null issuer) unless configured.
     *
     * @param issuer the realm URL tokens must name in {@code iss}, e.g. https://sso.example/realms/strongroom
     * @param audience what {@code aud} must contain
     * @param jwksUrl where the realm's signing keys are; by default issuer + /protocol/openid-connect/certs
     * @param organization the organization signed-in users act in; null = the first (bootstrap) one
     * @param ratePerHour requests per token an hour
     * @param clockSkew tolerated clock difference for exp and nbf
     */
    public record OAuth(
            java.net.URI issuer,
            String audience,
            java.net.URI jwksUrl,
            String organization,
            int ratePerHour,
            Duration clockSkew,
            String browserClientId,
            java.net.URI redirectUri,
            Duration sessionIdle,
            Duration sessionAbsolute,
            int signInPerAddressPerHour,
            int maxPendingSignIns) {
        public boolean enabled() {
            return issuer != null;
        }

        /** Browser sign-in needs the issuer and the exact redirect URI registered with the client. */
        public boolean browserSignIn() {
            return issuer != null && redirectUri != null;
        }
    }

    /**
     * Delivery policy; plain-HTTP loopback receivers are for tests and labs only.
     *
     * @param allowTargets address blocks (and ports) deliveries may reach although they are
     *     loopback, private or link-local; empty = public addresses only
     * @param deliveryTimeout hard limit for one delivery, connect to the last byte of the answer
     * @param workers deliveries in flight at once; each organization has at most one
     */
    public record Webhooks(
            boolean allowLoopbackHttp,
            Duration retryBaseDelay,
            int maxAttempts,
            int disableAfter,
            List<com.strongroom.webhooks.AllowedTarget> allowTargets,
            Duration deliveryTimeout,
            int workers) {}

    public static StrongroomConfig load(Path configFile, Map<String, String> env) {
        Config.Builder builder =
                Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource();
        if (configFile != null) {
            if (!Files.isReadable(configFile)) {
                throw new InvalidConfigException("--config", "file " + configFile + " is missing or unreadable");
            }
            builder.addSource(ConfigSources.file(configFile));
        }
        builder.addSource(ConfigSources.classpath("strongroom-defaults.yaml"));
        return create(builder.build(), env);
    }

    public static StrongroomConfig create(Config config, Map<String, String> env) {
        ConfigReader r = new ConfigReader(config, env);
        Path home = r.path("strongroom.home", "STRONGROOM_HOME", Path.of("").toAbsolutePath());

        String host = r.requiredString("server.host", 255);
        Server server = new Server(
                host,
                r.port("server.https-port", "STRONGROOM_HTTPS_PORT", 0),
                r.port("server.http-port", "STRONGROOM_HTTP_PORT", -1),
                r.path("server.tls-dir", null, home),
                tlsProfile(r),
                r.strings("server.host-names").isEmpty() ? List.of("localhost", host) : r.strings("server.host-names"),
                new RateLimits(
                        r.integer("server.rate-limit-per-hour", 0, 100_000_000),
                        r.integer("server.address-rate-limit-per-hour", 0, 100_000_000),
                        r.integer("server.auth-failures-before-block", 0, 1_000_000),
                        r.duration("server.auth-failure-window", Duration.ofSeconds(1), Duration.ofDays(1)),
                        r.duration("server.auth-block", Duration.ofSeconds(1), Duration.ofDays(7))),
                origins(r.strings("server.cors-origins")));

        String pinCredential = r.string("hsm.pin-credential").orElse(null);
        Hsm hsm = new Hsm(
                r.path("hsm.module", null, home),
                label(r, "hsm.token-label"),
                label(r, "hsm.kek-label"),
                r.path("hsm.pin-file", null, home),
                pinCredential,
                r.duration("hsm.probe-interval", Duration.ofMillis(200), Duration.ofSeconds(5)));
        if (!Files.isRegularFile(hsm.module())) {
            throw new InvalidConfigException(
                    "hsm.module",
                    "PKCS#11 library " + hsm.module() + " does not exist"
                            + (hsm.module().toString().contains("softhsm")
                                    ? " (install the Debian package softhsm2)"
                                    : ""));
        }
        long pageSize = r.bytes("index.page-size", 8 << 10, 64 << 10);
        if (Long.bitCount(pageSize) != 1) {
            throw new InvalidConfigException("index.page-size", "must be 8KiB, 16KiB, 32KiB or 64KiB");
        }
        Index index = new Index(
                r.path("index.dir", null, home),
                r.bytes("index.page-cache", 1 << 20, 1L << 40),
                r.bytes("index.vector-cache", 0, 1L << 40),
                (int) pageSize,
                r.duration("index.commit-interval", Duration.ofMillis(100), Duration.ofMinutes(10)));
        String provider = r.requiredString("embedding.provider", 40);
        int batchSize = r.integer("embedding.batch-size", 1, 1024);
        Embedding embedding =
                switch (provider) {
                    case "builtin" ->
                        new Embedding(
                                provider, batchSize, r.integer("embedding.threads", 0, 256), null, null, 0, null, null);
                    case "openai-compatible" ->
                        new Embedding(
                                provider,
                                batchSize,
                                0,
                                r.httpUrl("embedding.base-url"),
                                r.requiredString("embedding.model", 200),
                                r.integer("embedding.dimensions", 1, 4096),
                                r.string("embedding.api-key-file").isPresent()
                                        ? r.path("embedding.api-key-file", null, home)
                                        : null,
                                r.string("embedding.timeout").isPresent()
                                        ? r.duration("embedding.timeout", Duration.ofMillis(100), Duration.ofMinutes(5))
                                        : Duration.ofSeconds(30));
                    default ->
                        throw new InvalidConfigException(
                                "embedding.provider",
                                "'" + provider + "' is not known; use builtin or openai-compatible");
                };
        int maxChars = r.integer("chunking.max-chars", 50, 100_000);
        int overlap = r.integer("chunking.overlap-chars", 0, maxChars / 2);
        Documents documents = new Documents(
                r.bytes("documents.max-bytes", 1024, 1L << 30),
                r.duration("documents.extraction-time-budget", Duration.ofMillis(100), Duration.ofHours(1)),
                r.bytes("documents.upload-bytes-in-flight", 1024, 1L << 40));
        Webhooks webhooks = new Webhooks(
                r.bool("webhooks.allow-loopback-http", false),
                r.duration("webhooks.retry-base-delay", Duration.ofMillis(100), Duration.ofHours(1)),
                r.integer("webhooks.max-attempts", 1, 20),
                r.integer("webhooks.disable-after", 1, 1000),
                allowTargets(r.strings("webhooks.allow-targets")),
                r.duration("webhooks.delivery-timeout", Duration.ofMillis(100), Duration.ofMinutes(5)),
                r.integer("webhooks.workers", 1, 64));
        return new StrongroomConfig(
                home,
                server,
                hsm,
                new Crypto(r.bool("crypto.allow-pure-java", false)),
                index,
                embedding,
                new Chunking(maxChars, overlap),
                documents,
                webhooks,
                new Retention(
                        r.duration("retention.soft-deleted-datasets", Duration.ofSeconds(1), Duration.ofDays(3650)),
                        r.duration("retention.purge-interval", Duration.ofSeconds(1), Duration.ofDays(1))),
                oauth(r),
                sso(r, home),
                backup(r, home),
                new com.strongroom.datasets.Quotas(
                        r.integer("quotas.datasets-per-organization", 1, 1_000_000),
                        r.integer("quotas.documents-per-dataset", 1, 100_000_000)),
                ingest(r),
                new Reencryption(
                        r.bytes("keys.reencryption-rate", 64 << 10, 1L << 40),
                        r.duration("keys.reencryption-interval", Duration.ofMillis(100), Duration.ofHours(1)),
                        r.duration("keys.retire-after", Duration.ZERO, Duration.ofDays(30))));
    }

    private static Ingest ingest(ConfigReader r) {
        Duration base = r.duration("ingest.retry-base-delay", Duration.ofMillis(100), Duration.ofHours(1));
        Duration max = r.duration("ingest.retry-max-delay", Duration.ofMillis(100), Duration.ofHours(6));
        if (max.compareTo(base) < 0) {
            throw new InvalidConfigException(
                    "ingest.retry-max-delay", "must not be shorter than ingest.retry-base-delay");
        }
        return new Ingest(base, max);
    }

    private static com.strongroom.backup.BackupSettings backup(ConfigReader r, Path home) {
        List<com.strongroom.backup.TargetSettings> targets = new java.util.ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (ConfigReader t : r.list("backup.targets")) {
            String name = t.requiredString("name", 40);
            if (!name.matches("[a-z0-9][a-z0-9-]{0,39}")) {
                throw new InvalidConfigException(t.name("name"), "'" + name + "' may only contain a-z, 0-9 and '-'");
            }
            if (!names.add(name)) {
                throw new InvalidConfigException(t.name("name"), "'" + name + "' names two targets");
            }
            String type = t.requiredString("type", 20);
            Duration snapshots = t.string("snapshot-retention").isPresent()
                    ? t.duration("snapshot-retention", Duration.ofHours(1), Duration.ofDays(3650))
                    : Duration.ofDays(90);
            Duration journal = t.string("journal-retention").isPresent()
                    ? t.duration("journal-retention", Duration.ofHours(1), Duration.ofDays(3650))
                    : Duration.ofDays(30);
            switch (type) {
                case "directory" ->
                    targets.add(new com.strongroom.backup.TargetSettings(
                            name, type, t.path("path", null, home), snapshots, journal, null));
                case "s3" -> {
                    String lockMode = t.string("object-lock-mode").orElse(null);
                    if (lockMode != null && !lockMode.equals("GOVERNANCE") && !lockMode.equals("COMPLIANCE")) {
                        throw new InvalidConfigException(
                                t.name("object-lock-mode"), "'" + lockMode + "' is not GOVERNANCE or COMPLIANCE");
                    }
                    String prefix = t.string("prefix").orElse("");
                    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
                        prefix = prefix + "/";
                    }
                    Path keyId = t.path("access-key-id-file", null, home);
                    Path secret = t.path("secret-access-key-file", null, home);
                    for (String key : List.of("access-key-id-file", "secret-access-key-file")) {
                        Path file = key.startsWith("access") ? keyId : secret;
                        if (!Files.isReadable(file)) {
                            throw new InvalidConfigException(t.name(key), "file " + file + " is missing or unreadable");
                        }
                    }
                    targets.add(new com.strongroom.backup.TargetSettings(
                            name,
                            type,
                            null,
                            snapshots,
                            journal,
                            new com.strongroom.backup.TargetSettings.S3(
                                    t.string("endpoint").isPresent() ? t.httpUrl("endpoint") : null,
                                    t.string("region").orElse("us-east-1"),
                                    t.requiredString("bucket", 63),
                                    prefix,
                                    t.bool("path-style", true),
                                    t.string("ca-file").isPresent() ? t.path("ca-file", null, home) : null,
                                    keyId,
                                    secret,
                                    lockMode,
                                    lockMode == null
                                            ? null
                                            : t.duration(
                                                    "object-lock-retain", Duration.ofDays(1), Duration.ofDays(3650)))));
                }
                default -> throw new InvalidConfigException(t.name("type"), "'" + type + "' is not directory or s3");
            }
        }
        Duration window = r.duration("backup.shred-window", Duration.ZERO, Duration.ofDays(365));
        return new com.strongroom.backup.BackupSettings(
                r.bool("backup.enabled", true),
                r.duration("backup.snapshot-interval", Duration.ofSeconds(1), Duration.ofDays(30)),
                r.duration("backup.journal-interval", Duration.ofMillis(100), Duration.ofHours(1)),
                window,
                r.duration("backup.journal-local-retention", Duration.ZERO, Duration.ofDays(30)),
                r.duration("backup.thin-after", Duration.ofHours(1), Duration.ofDays(3650)),
                home.resolve("backup").resolve("spool"),
                List.copyOf(targets));
    }

    /** The `sso provision` settings; null when sso.keycloak-url is not set. */
    private static com.strongroom.sso.SsoSettings sso(ConfigReader r, Path home) {
        if (r.string("sso.keycloak-url").isEmpty()) {
            return null;
        }
        String defaultRole = r.string("sso.default-role").orElse("viewer");
        com.strongroom.auth.Role role;
        if (defaultRole.equals("none")) {
            role = null;
        } else {
            role = parseRole("sso.default-role", defaultRole);
        }
        List<String> redirects = r.strings("sso.redirect-uris");
        if (redirects.isEmpty()) {
            throw new InvalidConfigException("sso.redirect-uris", "is required: the exact URIs sign-in may return to");
        }
        for (String uri : redirects) {
            if (uri.contains("*")) {
                throw new InvalidConfigException("sso.redirect-uris", "'" + uri + "' has a wildcard; list exact URIs");
            }
        }
        com.strongroom.sso.SsoSettings.SamlIdp idp = null;
        if (r.string("sso.idp.metadata-url").isPresent()) {
            java.util.Map<String, com.strongroom.auth.Role> mapping = new java.util.LinkedHashMap<>();
            for (String rule : r.strings("sso.idp.role-mapping")) {
                int eq = rule.lastIndexOf('=');
                if (eq <= 0) {
                    throw new InvalidConfigException(
                            "sso.idp.role-mapping", "'" + rule + "' is not value=role, e.g. strongroom-admins=admin");
                }
                mapping.put(
                        rule.substring(0, eq).trim(),
                        parseRole("sso.idp.role-mapping", rule.substring(eq + 1).trim()));
            }
            idp = new com.strongroom.sso.SsoSettings.SamlIdp(
                    r.string("sso.idp.alias").orElse("corporate"),
                    r.httpUrl("sso.idp.metadata-url"),
                    r.string("sso.idp.role-attribute").orElse("groups"),
                    mapping,
                    java.util.Map.of(
                            "email", r.string("sso.idp.email-attribute").orElse("email"),
                            "firstName",
                                    r.string("sso.idp.first-name-attribute").orElse("firstName"),
                            "lastName", r.string("sso.idp.last-name-attribute").orElse("lastName")));
        }
        return new com.strongroom.sso.SsoSettings(
                r.httpUrl("sso.keycloak-url"),
                r.string("sso.admin-realm").orElse("master"),
                r.requiredString("sso.admin-user", 200),
                r.path("sso.admin-password-file", null, home),
                r.string("sso.realm").orElse("strongroom"),
                r.string("sso.client-id").orElse("strongroom"),
                redirects,
                role,
                idp);
    }

    private static com.strongroom.auth.Role parseRole(String key, String value) {
        try {
            com.strongroom.auth.Role role = com.strongroom.auth.Role.valueOf(value.toUpperCase(java.util.Locale.ROOT));
            if (!com.strongroom.auth.Role.ORGANIZATION_ROLES.contains(role)) {
                throw new IllegalArgumentException("operator is never given through SSO");
            }
            return role;
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(key, "'" + value + "' is not one of owner, admin, developer, viewer");
        }
    }

    private static OAuth oauth(ConfigReader r) {
        int perHour = r.integer("oauth.rate-limit-per-hour", 0, 100_000_000);
        Duration skew = r.duration("oauth.clock-skew", Duration.ZERO, Duration.ofMinutes(5));
        String browserClient = r.requiredString("oauth.browser-client-id", 200);
        Duration idle = r.duration("oauth.session-idle", Duration.ofMinutes(1), Duration.ofDays(1));
        Duration absolute = r.duration("oauth.session-absolute", Duration.ofMinutes(1), Duration.ofDays(7));
        int signInPerAddress = r.integer("oauth.sign-in-rate-limit-per-hour", 0, 100_000_000);
        int maxPending = r.integer("oauth.max-pending-sign-ins", 1, 1_000_000);
        if (r.string("oauth.issuer").isEmpty()) {
            return new OAuth(
                    null,
                    null,
                    null,
                    null,
                    perHour,
                    skew,
                    browserClient,
                    null,
                    idle,
                    absolute,
                    signInPerAddress,
                    maxPending);
        }
        java.net.URI issuer = r.httpUrl("oauth.issuer");
        java.net.URI jwks = r.string("oauth.jwks-url").isPresent()
                ? r.httpUrl("oauth.jwks-url")
                : java.net.URI.create(issuer.toString().replaceAll("/+$", "") + "/protocol/openid-connect/certs");
        return new OAuth(
                issuer,
                r.requiredString("oauth.audience", 200),
                jwks,
                r.string("oauth.organization").orElse(null),
                perHour,
                skew,
                browserClient,
                r.string("oauth.redirect-uri").isPresent() ? r.httpUrl("oauth.redirect-uri") : null,
                idle,
                absolute,
                signInPerAddress,
                maxPending);
    }

    private static List<com.strongroom.webhooks.AllowedTarget> allowTargets(List<String> entries) {
        List<com.strongroom.webhooks.AllowedTarget> targets = new java.util.ArrayList<>();
        for (String entry : entries) {
            try {
                targets.add(com.strongroom.webhooks.AllowedTarget.parse(entry));
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException("webhooks.allow-targets", e.getMessage());
            }
        }
        return List.copyOf(targets);
    }

    private static List<String> origins(List<String> origins) {
        for (String o : origins) {
            if (!o.matches("https?://[A-Za-z0-9.-]+(:\\d{1,5})?")) {
                throw new InvalidConfigException(
                        "server.cors-origins", "'" + o + "' is not an origin like https://portal.example.com");
            }
        }
        return List.copyOf(origins);
    }

    /** PKCS#11 labels are at most 32 bytes. */
    private static com.strongroom.crypto.TlsProfile tlsProfile(ConfigReader r) {
        String value = r.requiredString("server.tls-profile", 20);
        try {
            return com.strongroom.crypto.TlsProfile.fromConfig(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException("server.tls-profile", e.getMessage());
        }
    }

    private static String label(ConfigReader r, String key) {
        String label = r.requiredString(key, 32);
        if (!label.matches("[A-Za-z0-9._-]+")) {
            throw new InvalidConfigException(key, "'" + label + "' may only contain letters, digits, '.', '_' and '-'");
        }
        return label;
    }

    /**
     * This configuration for another home (a DR drill's scratch copy): its own files, TLS and
     * indexes under {@code otherHome}, an ephemeral HTTPS port, no HTTP port, no browser sign-in
     * redirect, no backups of its own; the same HSM, PIN and models.
     */
    public StrongroomConfig forScratchHome(Path otherHome) {
        Server s = new Server(
                server.host(),
                0,
                -1,
                otherHome.resolve("tls"),
                server.tlsProfile(),
                server.hostNames(),
                server.limits(),
                List.of());
        Index i = new Index(
                otherHome.resolve("data").resolve("indexes"),
                index.pageCacheBytes(),
                index.vectorCacheBytes(),
                index.pageSize(),
                index.commitInterval());
        com.strongroom.backup.BackupSettings b = new com.strongroom.backup.BackupSettings(
                false,
                backup.snapshotInterval(),
                backup.journalInterval(),
                backup.shredWindow(),
                backup.journalLocalRetention(),
                backup.thinAfter(),
                otherHome.resolve("backup").resolve("spool"),
                List.of());
        return new StrongroomConfig(
                otherHome,
                s,
                hsm,
                crypto,
                i,
                embedding,
                chunking,
                documents,
                webhooks,
                retention,
                oauth,
                sso,
                b,
                quotas,
                ingest,
                reencryption);
    }

    public Path keyringFile() {
        return home.resolve("keyring").resolve("keyring");
    }

    public Path metadataFile() {
        return home.resolve("data").resolve("metadata");
    }

    public Path bootstrapKeyFile() {
        return home.resolve("bootstrap").resolve("owner-api-key");
    }

    /** The first start's operator key, for /v1/system/* (rotations, backups); 0600 like the owner key. */
    public Path bootstrapOperatorKeyFile() {
        return home.resolve("bootstrap").resolve("operator-api-key");
    }
}
