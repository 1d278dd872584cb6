package com.strongroom.cli;

import com.strongroom.backup.BackupTarget;
import com.strongroom.backup.BackupTargets;
import com.strongroom.config.StrongroomConfig;
import java.io.IOException;
import picocli.CommandLine.Option;

/** --target NAME: one of backup.targets; the first one when not given. */
final class TargetOption {
    @Option(names = "--target", paramLabel = "NAME", description = "a backup.targets name (default: the first)")
    String name;

    BackupTarget open(StrongroomConfig config) throws IOException {
        return BackupTargets.open(config.backup().target(name));
    }
}
