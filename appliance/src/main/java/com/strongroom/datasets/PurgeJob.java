package com.strongroom.datasets;

import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealState;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Runs {@link DatasetService#purgeDue()} on a schedule while the appliance is unsealed. */
public final class PurgeJob implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PurgeJob.class.getName());

    private final ScheduledExecutorService scheduler;

    private PurgeJob(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    public static PurgeJob start(DatasetService datasets, KeyManager keys, Duration every) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "strongroom-purge");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(
                com.strongroom.tasks.SurvivingTask.of("dataset purge", () -> {
                    if (keys.state() != SealState.UNSEALED) {
                        return;
                    }
                    try {
                        int purged = datasets.purgeDue();
                        if (purged > 0) {
                            LOG.info(() -> "purged " + purged + " dataset(s) past their restore window");
                        }
                    } catch (Exception e) {
                        LOG.log(Level.WARNING, "dataset purge failed; retried on the next run: " + e.getMessage());
                    }
                }),
                // a minute after start (not a whole interval: restarts must not postpone purges for ever)
                Math.min(Duration.ofMinutes(1).toMillis(), every.toMillis()),
                every.toMillis(),
                TimeUnit.MILLISECONDS);
        return new PurgeJob(scheduler);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
