package com.strongroom.keys;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Runs {@link KeyManager#probe()} on a fixed delay, so a revoked KEK seals the appliance in seconds. */
public final class KeyProbe implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KeyProbe.class.getName());
    private final ScheduledExecutorService timer;

    private KeyProbe(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    public static KeyProbe start(KeyManager keys, Duration interval) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "strongroom-hsm-probe");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        keys.probe();
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, "HSM probe failed unexpectedly", e);
                    }
                },
                interval.toMillis(),
                interval.toMillis(),
                TimeUnit.MILLISECONDS);
        return new KeyProbe(timer);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
