package com.strongroom.cli;

import com.strongroom.audit.AuditEvent;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.VersionedKey;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "rotate-dek",
        mixinStandardHelpOptions = true,
        description = "Start a new data-key version for new writes; older versions stay readable.")
final class KeysRotateDekCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(
            names = "--purpose",
            paramLabel = "PURPOSE",
            description = "Key purpose to rotate (repeatable; default: metadata, audit, apikeys, backup).")
    List<String> purposes;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (OperatorSession s = new OperatorSession(config.load())) {
            s.unsealOrFail();
            for (String purpose : purposes == null ? KeyManager.SYSTEM_PURPOSES : purposes) {
                VersionedKey k = s.keys.rotateDek(purpose);
                s.record("keys.rotate-dek", "dek:" + purpose, AuditEvent.Outcome.SUCCESS, "version " + k.version());
                spec.commandLine().getOut().printf("%s: new primary version %d%n", purpose, k.version());
            }
            return 0;
        }
    }
}
