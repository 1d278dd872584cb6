package com.strongroom.cli;

import com.strongroom.audit.AuditEvent;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "shred",
        mixinStandardHelpOptions = true,
        description = "Crypto-shred one data-key version: everything it protects becomes unreadable forever.")
final class KeysShredCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--purpose", required = true)
    String purpose;

    @Option(names = "--key-version", required = true, description = "The DEK version to destroy.")
    int version;

    @Option(names = "--yes", description = "Confirm: this cannot be undone.")
    boolean yes;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!yes) {
            spec.commandLine()
                    .getErr()
                    .println("refusing to shred without --yes: data under " + purpose + " v" + version
                            + " would be lost for good");
            return 2;
        }
        try (OperatorSession s = new OperatorSession(config.load())) {
            boolean destroyed = s.keys.shred(purpose, version);
            s.record(
                    "keys.shred",
                    "dek:" + purpose + ":v" + version,
                    AuditEvent.Outcome.SUCCESS,
                    destroyed ? "destroyed" : "already destroyed");
            spec.commandLine()
                    .getOut()
                    .printf("%s v%d %s%n", purpose, version, destroyed ? "destroyed" : "was already destroyed");
            return 0;
        }
    }
}
