package com.strongroom.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The test run's one {@link LabKeycloak}, for every class that needs a Keycloak: annotate the class
 * with {@code @ExtendWith(SharedKeycloak.class)} and take a {@code LabKeycloak} parameter in
 * {@code @BeforeAll}. A boot costs 30 to 60 s on a small machine, so the first class that asks
 * starts it and the others reuse it. It is kept in the root context's store, which JUnit closes
 * when the run ends (LabKeycloak is AutoCloseable: stopped by PID); LabKeycloak's own shutdown
 * hook covers a run that is aborted. Its log is target/keycloak-shared/keycloak.log.
 *
 * <p>Since the server is shared, no class may assume a fresh one: each works in realms of its own,
 * named by {@link #realm}, and changes nothing outside them.
 */
public final class SharedKeycloak implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedKeycloak.class);
    private static final Path LOG_DIR = Path.of("target", "keycloak-shared");

    /** The running instance, started on the first call of the run. */
    public static LabKeycloak get(ExtensionContext context) {
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(LabKeycloak.class, key -> start(), LabKeycloak.class);
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
        return get(context);
    }
}
