package com.strongroom.cli;

import com.strongroom.audit.AuditEvent;
import com.strongroom.keys.DekRecord;
import com.strongroom.keys.DekState;
import com.strongroom.keys.DekUsage;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The end of a rotation: destroys a data-key version only once the re-encryption pass has retired
 * it (nothing found under it), so no data is lost by it. {@code keys shred} is the tool for
 * destroying a version whatever it still protects.
 */
@Command(
        name = "destroy-version",
        mixinStandardHelpOptions = true,
        description = "Destroy a retired data-key version (nothing is left under it). Refused while the version is"
                + " primary or still protects data; `keys status` shows what is left under each version.")
final class KeysDestroyVersionCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Parameters(index = "0", paramLabel = "PURPOSE", description = "e.g. dataset:ds_… (see keys status)")
    String purpose;

    @Parameters(index = "1", paramLabel = "VERSION", description = "The retired version to destroy.")
    int version;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        try (OperatorSession s = new OperatorSession(config.load())) {
            Optional<DekRecord> record = s.keys.keyring().dek(purpose, version);
            if (record.isEmpty()) {
                err.printf("no data key %s v%d (keys status lists them)%n", purpose, version);
                return 2;
            }
            DekState state = record.get().state();
            if (state == DekState.DESTROYED) {
                out.printf("%s v%d was already destroyed%n", purpose, version);
                return 0;
            }
            if (state != DekState.RETIRED) {
                String left = s.keys.status()
                        .usageOf(record.get())
                        .map(KeysDestroyVersionCommand::describe)
                        .orElse("the re-encryption pass has not looked at it yet");
                err.printf(
                        "refusing to destroy %s v%d: it is %s, not retired; %s. The appliance retires a version"
                                + " once nothing is left under it (keys status shows progress); keys shred destroys"
                                + " it regardless.%n",
                        purpose, version, state.name().toLowerCase(Locale.ROOT), left);
                s.record(
                        "keys.destroy-version",
                        "dek:" + purpose + ":v" + version,
                        AuditEvent.Outcome.FAILURE,
                        "refused: " + state.name().toLowerCase(Locale.ROOT));
                return 1;
            }
            boolean destroyed = s.keys.shred(purpose, version);
            s.record(
                    "keys.destroy-version",
                    "dek:" + purpose + ":v" + version,
                    AuditEvent.Outcome.SUCCESS,
                    destroyed ? "retired version destroyed" : "already destroyed");
            out.printf("%s v%d destroyed%n", purpose, version);
            return 0;
        }
    }

    private static String describe(DekUsage u) {
        return "still under it at " + u.scannedAt() + ": " + u.files() + " files, " + u.originals()
                + " originals, " + u.journalEntries() + " journal entries not yet pruned, " + u.apiKeys()
                + " live API keys not used since the rotation";
    }
}
