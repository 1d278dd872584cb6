package com.strongroom.cli;

import com.strongroom.OperatorStores;
import com.strongroom.backup.BackupTarget;
import com.strongroom.backup.BackupTools;
import com.strongroom.config.StrongroomConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = "List a target's snapshots, key manifests and journal, and the window a restore can reach."
                + " Needs only the configuration and the HSM.")
final class BackupListCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Mixin
    TargetOption target;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        StrongroomConfig c = config.load();
        try (BackupTarget t = target.open(c)) {
            spec.commandLine().getOut().println(Jsons.pretty(BackupTools.list(t, OperatorStores.hsmSettings(c))));
        }
        return 0;
    }
}
