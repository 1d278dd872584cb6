package com.strongroom.cli;

import picocli.CommandLine.Command;

@Command(
        name = "dr",
        mixinStandardHelpOptions = true,
        description = "Disaster recovery.",
        subcommands = {DrDrillCommand.class})
final class DrCommand {}
