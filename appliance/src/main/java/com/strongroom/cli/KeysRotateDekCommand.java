package com.strongroom.cli;

import com.strongroom.audit.AuditEvent;
import com.strongroom.backup.OperatorRequests;
import com.strongroom.config.StrongroomConfig;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.VersionedKey;
import java.time.Duration;
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

    @Option(
            names = "--reencrypt-now",
            description = "After a suspected compromise (dataset keys): the running appliance re-encrypts everything"
                    + " under the older versions at once, without its rate limit, and says when they can be destroyed.")
    boolean reencryptNow;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        List<String> chosen = purposes == null ? KeyManager.SYSTEM_PURPOSES : purposes;
        StrongroomConfig c = config.load();
        try (OperatorSession s = new OperatorSession(c)) {
            if (reencryptNow) {
                // checked before anything rotates: the emergency path needs what only the appliance has open
                for (String purpose : chosen) {
                    if (!purpose.startsWith("dataset:")) {
                        err.println("error: --reencrypt-now covers dataset keys (dataset:<id>) only so far, not '"
                                + purpose + "'");
                        return 2;
                    }
                }
                if (!RunningAppliance.isRunning(c)) {
                    err.println("error: --reencrypt-now needs the running appliance (it holds the indexes open);"
                            + " start it and run the command again; nothing was rotated");
                    return 1;
                }
            }
            s.unsealOrFail();
            for (String purpose : chosen) {
                VersionedKey k = s.keys.rotateDek(purpose);
                s.record(
                        "keys.rotate-dek",
                        "dek:" + purpose,
                        AuditEvent.Outcome.SUCCESS,
                        "version " + k.version() + (reencryptNow ? ", re-encryption now (suspected compromise)" : ""));
                out.printf("%s: new primary version %d%n", purpose, k.version());
            }
            if (reencryptNow) {
                out.flush();
                int exit = 0;
                for (String purpose : chosen) {
                    exit = Math.max(
                            exit,
                            RunningAppliance.ask(
                                    s, OperatorRequests.KEYS_REENCRYPT, purpose, Duration.ofHours(12), out, err));
                }
                return exit;
            }
            return 0;
        }
    }
}
