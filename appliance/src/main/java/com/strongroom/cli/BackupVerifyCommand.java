package com.strongroom.cli;

import com.strongroom.OperatorStores;
import com.strongroom.backup.BackupTarget;
import com.strongroom.backup.BackupTools;
import com.strongroom.config.StrongroomConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = "Re-read every object of a target and check every hash, tag and MAC and the manifest chain."
                + " Exit 0 when all is intact, 3 when something is missing or altered (each problem names the object).")
final class BackupVerifyCommand implements Callable<Integer> {
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
            Map<String, Object> report = BackupTools.verify(
                    t, OperatorStores.hsmSettings(c), c.backup().thinAfter());
            spec.commandLine().getOut().println(Jsons.pretty(report));
            return Boolean.TRUE.equals(report.get("ok")) ? 0 : 3;
        }
    }
}
