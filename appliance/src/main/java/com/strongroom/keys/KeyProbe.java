package com.strongroom.keys;

import com.strongroom.tasks.SurvivingTask;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link KeyManager#probe()} on a fixed delay, so a revoked KEK seals the appliance in
 * seconds; a probe that throws anything runs again, and one that hangs is caught by the
 * {@link ProbeWatchdog}.
 */
public final class KeyProbe implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private final ProbeWatchdog watchdog;

    private KeyProbe(ScheduledExecutorService timer, ProbeWatchdog watchdog) {
        this.timer = timer;
        this.watchdog = watchdog;
    }

    public static KeyProbe start(KeyManager keys, Duration interval) {
        return start(keys, interval, keys::probe);
    }

    /** @param probe one health check of the HSM ({@link KeyManager#probe()} but in tests) */
    static KeyProbe start(KeyManager keys, Duration interval, Runnable probe) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "strongroom-hsm-probe");
            t.setDaemon(true);
            return t;
        });
        ProbeWatchdog watchdog = new ProbeWatchdog(keys, interval);
        timer.scheduleWithFixedDelay(
                SurvivingTask.of("HSM probe", () -> {
                    watchdog.started();
                    try {
                        probe.run();
                    } finally {
                        watchdog.completed();
                    }
                }),
                interval.toMillis(),
                interval.toMillis(),
                TimeUnit.MILLISECONDS);
        return new KeyProbe(timer, watchdog);
    }

    @Override
    public void close() {
        watchdog.close();
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
