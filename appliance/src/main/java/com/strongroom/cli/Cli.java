package com.strongroom.cli;

import com.strongroom.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(
        name = "strongroom",
        mixinStandardHelpOptions = true,
        version = "Strongroom 0.1.0",
        description = "Self-hosted semantic search with keys held in your HSM.",
        subcommands = {
            ServeCommand.class,
            KeysCommand.class,
            AuditCommand.class,
            BackupCommand.class,
            RestoreCommand.class,
            DrCommand.class,
            SsoCommand.class,
            BenchCommand.class
        })
public final class Cli {
    /** Returned by `serve` once the server runs: main must not exit the JVM. */
    public static final int KEEP_RUNNING = -1;

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Cli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // Operators get one clear line; no stack traces full of internals on their terminal.
            commandLine.getErr().println("error: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        });
        return cli;
    }
}
