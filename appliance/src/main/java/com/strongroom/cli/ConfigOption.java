package com.strongroom.cli;

import com.strongroom.config.StrongroomConfig;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** --config for every command; without it, the embedded lab defaults (and STRONGROOM_* variables). */
final class ConfigOption {
    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "YAML configuration (default: embedded lab defaults; " + "$STRONGROOM_CONFIG)")
    Path file;

    private final Map<String, String> env;

    ConfigOption() {
        this(System.getenv());
    }

    /** With {@code env} in place of the process environment (see {@link Cli#commandLine(Map)}). */
    ConfigOption(Map<String, String> env) {
        this.env = env;
    }

    StrongroomConfig load() {
        Path chosen = file;
        if (chosen == null && env.get("STRONGROOM_CONFIG") != null) {
            chosen = Path.of(env.get("STRONGROOM_CONFIG"));
        }
        return StrongroomConfig.load(chosen, env);
    }
}
