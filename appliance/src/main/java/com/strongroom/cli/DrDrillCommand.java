package com.strongroom.cli;

import com.strongroom.backup.OperatorRequests;
import com.strongroom.config.StrongroomConfig;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(
        name = "drill",
        mixinStandardHelpOptions = true,
        description = "The running appliance restores the newest point from a target into a scratch home, starts a"
                + " second appliance there on free ports against the same HSM, compares a check query per dataset"
                + " with its own answers, prints and audits a JSON report (RPO, RTO, objects verified, pass/fail) and"
                + " removes the scratch home. Exit 0 when the drill passes, 3 when it ran and did not pass.")
final class DrDrillCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Mixin
    TargetOption target;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        StrongroomConfig c = config.load();
        String name = c.backup().target(target.name).name();
        try (OperatorSession s = new OperatorSession(c)) {
            if (!RunningAppliance.isRunning(c)) {
                spec.commandLine()
                        .getErr()
                        .println("error: no appliance is running on " + c.home()
                                + ": the drill compares the restored copy with the live appliance; start it first");
                return 1;
            }
            return RunningAppliance.ask(
                    s,
                    OperatorRequests.DR_DRILL,
                    name,
                    Duration.ofHours(4),
                    spec.commandLine().getOut(),
                    spec.commandLine().getErr(),
                    DrDrillCommand::exitCode);
        }
    }

    private static int exitCode(String report) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper()
                            .readTree(report)
                            .path("passed")
                            .asBoolean()
                    ? 0
                    : 3;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return 1;
        }
    }
}
