package com.strongroom.tasks;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The body of a periodic task that survives anything it throws. A task given to
 * {@code scheduleWithFixedDelay} that lets one exception or error escape is never run again, and
 * nothing says so; wrapped, the failure is logged (the exception's class and message, which our
 * code keeps free of secrets) and the next run happens as scheduled.
 */
public final class SurvivingTask implements Runnable {
    private static final Logger LOG = Logger.getLogger(SurvivingTask.class.getName());

    private final String name;
    private final Runnable body;

    private SurvivingTask(String name, Runnable body) {
        this.name = name;
        this.body = body;
    }

    /** @param name what the task does, for the log, e.g. "index commit" */
    public static Runnable of(String name, Runnable body) {
        return new SurvivingTask(name, body);
    }

    @Override
    public void run() {
        try {
            body.run();
        } catch (Throwable t) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.log(
                    Level.SEVERE,
                    name + " failed (" + t.getClass().getName() + ": " + t.getMessage()
                            + "); it runs again at its next interval");
        }
    }
}
