package com.strongroom.rotation;

import com.strongroom.keys.SealState;
import com.strongroom.keys.SealedException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.lucene.store.AlreadyClosedException;

/** Runs {@link DataKeyReencryption#pass()} every interval while the appliance is unsealed. */
public final class ReencryptionJob implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ReencryptionJob.class.getName());

    private final ScheduledExecutorService scheduler;

    private ReencryptionJob(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    public static ReencryptionJob start(
            DataKeyReencryption reencryption, java.util.function.Supplier<SealState> state, Duration every) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "strongroom-reencryption");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        });
        scheduler.scheduleWithFixedDelay(
                com.strongroom.tasks.SurvivingTask.of("data-key re-encryption", () -> {
                    if (state.get() != SealState.UNSEALED) {
                        return;
                    }
                    try {
                        reencryption.pass();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (SealedException | AlreadyClosedException e) {
                        LOG.fine("re-encryption paused: sealed");
                    } catch (Exception e) {
                        LOG.log(Level.WARNING, "data-key re-encryption failed; retried on the next run: " + e);
                    }
                }),
                every.toMillis(),
                every.toMillis(),
                TimeUnit.MILLISECONDS);
        return new ReencryptionJob(scheduler);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
