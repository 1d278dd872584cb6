package com.strongroom.cli;

import com.strongroom.bench.BenchCommand;
import java.util.Map;
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
        return commandLine(System.getenv());
    }

    /**
     * The command line with {@code env} read as the environment (STRONGROOM_CONFIG, STRONGROOM_HOME,
     * the port variables): what lets a test run a command in its own JVM as a shell with that
     * environment would run it.
     */
    public static CommandLine commandLine(Map<String, String> env) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine cli = new CommandLine(new Cli(), new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                return type == ConfigOption.class ? type.cast(new ConfigOption(env)) : defaults.create(type);
            }
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // Operators get one clear line; no stack traces full of internals on their terminal.
            commandLine.getErr().println("error: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        });
        return cli;
    }
}
