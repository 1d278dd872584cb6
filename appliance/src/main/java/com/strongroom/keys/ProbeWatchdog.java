package com.strongroom.keys;

import com.strongroom.tasks.SurvivingTask;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Seals the appliance when a run of the HSM probe has not completed {@value #MISSED_INTERVALS}
 * intervals after it started, while unsealed: a PKCS#11 call that hangs never throws, so the probe alone would
 * keep the appliance serving on keys it can no longer check. Runs on its own thread, so a hung
 * probe cannot stop it.
 */
final class ProbeWatchdog implements AutoCloseable {
    static final int MISSED_INTERVALS = 3;

    private final KeyManager keys;
    private final long allowedNanos;
    private final ScheduledExecutorService timer;
    /** When the running probe started, or 0 between runs: a starved scheduler is no HSM hang. */
    private volatile long runningSince;

    ProbeWatchdog(KeyManager keys, Duration interval) {
        this.keys = keys;
        this.allowedNanos = interval.toNanos() * MISSED_INTERVALS;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "strongroom-hsm-probe-watchdog");
            t.setDaemon(true);
            return t;
        });
        long every = interval.toMillis();
        timer.scheduleWithFixedDelay(
                SurvivingTask.of("HSM probe watchdog", this::check), every, every, TimeUnit.MILLISECONDS);
    }

    /** The probe starts a run. */
    void started() {
        runningSince = Math.max(1, System.nanoTime());
    }

    /** The probe finished a run (whatever its outcome). */
    void completed() {
        runningSince = 0;
    }

    private void check() {
        long started = runningSince;
        long since = System.nanoTime() - started;
        if (started != 0 && since > allowedNanos && keys.state() == SealState.UNSEALED) {
            keys.sealStalled("the HSM probe has not completed for " + MISSED_INTERVALS + " intervals ("
                    + Duration.ofNanos(since).toMillis() + " ms): an HSM call hangs");
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
