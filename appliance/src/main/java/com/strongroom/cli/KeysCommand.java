package com.strongroom.cli;

import picocli.CommandLine.Command;

@Command(
        name = "keys",
        mixinStandardHelpOptions = true,
        description = "Key hierarchy: initialise, inspect, rotate, shred.",
        subcommands = {
            KeysInitCommand.class,
            KeysInitTokenCommand.class,
            KeysStatusCommand.class,
            KeysRotateKekCommand.class,
            KeysRotateDekCommand.class,
            KeysGrantOperatorCommand.class,
            KeysShredCommand.class,
            KeysDestroyVersionCommand.class
        })
final class KeysCommand {}
