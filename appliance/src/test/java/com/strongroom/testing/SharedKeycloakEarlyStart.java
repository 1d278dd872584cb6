package com.strongroom.testing;

import java.util.Arrays;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Starts booting the run's shared Keycloak as soon as the test plan is known, if any class in it
 * uses {@link SharedKeycloak}: the boot takes a minute or more of mostly waiting on a small
 * machine, and this way it overlaps the tests that run before the first class that needs it,
 * instead of stalling that class. Registered in META-INF/services; stops the server by PID when
 * the plan has run, whether or not a class took it.
 */
public final class SharedKeycloakEarlyStart implements TestExecutionListener {
    @Override
    public void testPlanExecutionStarted(TestPlan plan) {
        boolean needed = plan.getRoots().stream()
                .flatMap(root -> plan.getDescendants(root).stream())
                .anyMatch(SharedKeycloakEarlyStart::usesSharedKeycloak);
        if (needed) {
            SharedKeycloak.boot();
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan plan) {
        SharedKeycloak.stopIfStarted();
    }

    private static boolean usesSharedKeycloak(TestIdentifier id) {
        return id.getSource()
                .filter(ClassSource.class::isInstance)
                .map(source -> ((ClassSource) source).getJavaClass())
                .map(cls -> AnnotationSupport.findRepeatableAnnotations(cls, ExtendWith.class).stream()
                        .anyMatch(e -> Arrays.asList(e.value()).contains(SharedKeycloak.class)))
                .orElse(false);
    }
}
