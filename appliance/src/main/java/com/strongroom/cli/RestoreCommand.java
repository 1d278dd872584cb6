package com.strongroom.cli;

import com.strongroom.OperatorStores;
import com.strongroom.backup.BackupTarget;
import com.strongroom.backup.CorruptBackupException;
import com.strongroom.backup.Restorer;
import com.strongroom.config.StrongroomConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "restore",
        mixinStandardHelpOptions = true,
        description = "Restore a backup into a new home: the newest snapshot at or before --at, then the journal"
                + " up to --at (default: everything the target holds). Needs the HSM with the KEK; never writes into"
                + " a directory that is not empty. Exit 3 when an object is missing or altered (named).")
final class RestoreCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Mixin
    TargetOption target;

    @Option(names = "--into", required = true, paramLabel = "DIR", description = "the new home (absent or empty)")
    Path into;

    @Option(
            names = "--at",
            paramLabel = "TIME",
            description = "ISO-8601 moment to restore, e.g. 2026-12-01T09:30:00Z (default: the newest)")
    String at;

    @Option(
            names = "--dataset",
            paramLabel = "ID",
            description =
                    "restore this dataset only (with its organization's keys and webhooks); the others are left out")
    String dataset;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Instant moment = at == null ? null : parse(at);
        StrongroomConfig c = config.load();
        try (BackupTarget t = target.open(c)) {
            Restorer restorer = new Restorer(OperatorStores.hsmSettings(c), Clock.systemUTC());
            if (dataset != null) {
                restorer = restorer.onlyDataset(dataset);
            }
            Restorer.Report report = restorer.restore(t, into.toAbsolutePath().normalize(), moment);
            spec.commandLine().getOut().println(Jsons.pretty(report.toMap()));
            if (report.journalGap() != null) {
                spec.commandLine().getErr().println("warning: " + report.journalGap());
            }
            return 0;
        } catch (CorruptBackupException e) {
            spec.commandLine().getErr().println("error: restore refused: " + e.getMessage());
            return 3;
        }
    }

    private static Instant parse(String raw) {
        try {
            return OffsetDateTime.parse(raw).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(raw);
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException(
                        "--at '" + raw + "' is not an ISO-8601 time such as 2026-12-01T09:30:00Z");
            }
        }
    }
}
