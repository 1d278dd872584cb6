package com.strongroom.cli;

import picocli.CommandLine.Command;

@Command(
        name = "backup",
        mixinStandardHelpOptions = true,
        description = "Backups: take a snapshot now, list and verify what a target holds.",
        subcommands = {BackupRunCommand.class, BackupListCommand.class, BackupVerifyCommand.class})
final class BackupCommand {}
