package com.strongroom.cli;

import com.strongroom.config.StrongroomConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --config for every command; without it, the embedded lab defaults (and STRONGROOM_* variables). */
final class ConfigOption {
    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "YAML configuration (default: embedded lab defaults; " + "$STRONGROOM_CONFIG)")
    Path file;

    StrongroomConfig load() {
        Path chosen = file;
        if (chosen == null && System.getenv("STRONGROOM_CONFIG") != null) {
            chosen = Path.of(System.getenv("STRONGROOM_CONFIG"));
        }
        return StrongroomConfig.load(chosen, System.getenv());
    }
}
