package com.strongroom.cli;

import com.strongroom.backup.OperatorRequests;
import com.strongroom.config.StrongroomConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * Whether an appliance serves this home (its metadata database file is locked by H2), and how the
 * CLI hands it work: a request in the shared keyring, answered by the appliance.
 */
final class RunningAppliance {
    private RunningAppliance() {}

    static boolean isRunning(StrongroomConfig config) {
        Path file = config.metadataFile().resolveSibling(config.metadataFile().getFileName() + ".mv.db");
        if (!Files.exists(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Submits {@code kind}, waits for the answer, prints it; exit 0 on success, 1 on failure. */
    static int ask(OperatorSession s, String kind, String argument, Duration timeout, PrintWriter out, PrintWriter err)
            throws SQLException, InterruptedException {
        return ask(s, kind, argument, timeout, out, err, result -> 0);
    }

    /** As above; {@code exitFor} turns a successful answer's JSON into the exit code (e.g. a drill that failed). */
    static int ask(
            OperatorSession s,
            String kind,
            String argument,
            Duration timeout,
            PrintWriter out,
            PrintWriter err,
            java.util.function.ToIntFunction<String> exitFor)
            throws SQLException, InterruptedException {
        OperatorRequests requests = new OperatorRequests(s.keyringDb);
        String id = requests.submit(kind, argument, "cli:" + System.getProperty("user.name", "unknown"));
        err.println("asked the running appliance (" + id + "); waiting for it...");
        err.flush();
        Optional<OperatorRequests.Answer> answer = requests.await(id, timeout, () -> isRunning(s.config));
        if (answer.isEmpty() && !isRunning(s.config)) {
            err.println("error: the appliance stopped before it answered " + id
                    + (requests.started(id) ? " (it had started the work)" : "")
                    + "; start it and run the command again");
            return 1;
        }
        if (answer.isEmpty()) {
            err.println("error: no answer within " + timeout.toMinutes() + " minutes"
                    + (requests.started(id) ? " (it is still running; see the appliance log)" : " (not taken yet)"));
            return 1;
        }
        if (answer.get().outcome().equals("SUCCESS")) {
            out.println(Jsons.pretty(answer.get().result()));
            return exitFor.applyAsInt(answer.get().result());
        }
        err.println("error: " + answer.get().result());
        return 1;
    }
}
