package com.strongroom.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The test run's one {@link LabKeycloak}, for every class that needs a Keycloak: annotate the class
 * with {@code @ExtendWith(SharedKeycloak.class)} and take a {@code LabKeycloak} parameter in
 * {@code @BeforeAll}. A boot costs a minute or more on a small machine, so it is started once, as
 * soon as the plan shows a class that needs it ({@link SharedKeycloakEarlyStart}), and every class
 * reuses it. It is stopped by PID when the plan has run; LabKeycloak's own shutdown hook covers a
 * run that is aborted. Its log is target/keycloak-shared/keycloak.log.
 *
 * <p>Since the server is shared, no class may assume a fresh one: each works in realms of its own,
 * named by {@link #realm}, and changes nothing outside them.
 */
public final class SharedKeycloak implements ParameterResolver {
    private static final Path LOG_DIR = Path.of("target", "keycloak-shared");

    private static final Object LOCK = new Object();
    private static CompletableFuture<LabKeycloak> instance;

    /** The running instance, waiting for its boot if that is still under way. */
    static LabKeycloak get() {
        try {
            return boot().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * The run's one boot, begun on a daemon thread by the first call: by {@link
     * SharedKeycloakEarlyStart} when the plan is known, or else by the first class that asks.
     */
    static CompletableFuture<LabKeycloak> boot() {
        synchronized (LOCK) {
            if (instance == null) {
                instance = CompletableFuture.supplyAsync(SharedKeycloak::start, runnable -> {
                    Thread t = new Thread(runnable, "shared-keycloak-boot");
                    t.setDaemon(true);
                    t.start();
                });
            }
            return instance;
        }
    }

    /** Stops the instance by PID once the run is over (waiting for a boot still under way). */
    static void stopIfStarted() {
        CompletableFuture<LabKeycloak> boot;
        synchronized (LOCK) {
            boot = instance;
            instance = null;
        }
        if (boot == null) {
            return;
        }
        try {
            boot.join().close();
        } catch (Exception e) {
            // a boot that failed has already stopped its process (LabKeycloak.start closes it)
        }
    }

    private static LabKeycloak start() {
        try {
            Files.createDirectories(LOG_DIR);
            return LabKeycloak.start(LOG_DIR);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the shared Keycloak (see " + LOG_DIR + ")", e);
        }
    }

    /**
     * A realm name that is {@code owner}'s alone, e.g. strongroom-ssoprovisiontest. Lower case:
     * Keycloak names a realm's default-roles composite after the realm in lower case.
     */
    public static String realm(String base, Class<?> owner) {
        return base + "-" + owner.getSimpleName().toLowerCase(Locale.ROOT);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LabKeycloak.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return get();
    }
}
