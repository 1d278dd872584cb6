package com.strongroom.cli;

import com.strongroom.crypto.Fips;
import com.strongroom.keys.DekRecord;
import com.strongroom.keys.KekRecord;
import com.strongroom.keys.KeyStatus;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Show whether the KEK is reachable, the KEKs and the data-key versions. Exit 0 if unsealable.")
final class KeysStatusCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (OperatorSession s = new OperatorSession(config.load())) {
            boolean reachable = s.keys.unseal();
            KeyStatus status = s.keys.status();
            Fips.NativeStatus crypto = Fips.nativeStatus();
            out.printf(
                    "HSM:      token '%s', %s%n",
                    status.tokenLabel(), reachable ? "KEK reachable" : "NOT reachable: " + status.sealedReason());
            out.printf(
                    "crypto:   BC-FIPS approved-only, AES variant %s%s%n",
                    crypto.variant(), crypto.nativeAes() ? " (native)" : " (pure Java)");
            for (KekRecord k : status.keks()) {
                out.printf(
                        "KEK       %-32s %s since %s%n", k.label(), k.active() ? "active " : "retired", k.createdAt());
            }
            for (DekRecord d : status.deks()) {
                com.strongroom.keys.DekUsage u = status.usageOf(d).orElse(null);
                out.printf(
                        "DEK       %-32s v%-3d %-9s %s%s%n",
                        d.purpose(),
                        d.version(),
                        d.state().name().toLowerCase(java.util.Locale.ROOT),
                        d.createdAt(),
                        u == null
                                ? ""
                                : String.format(
                                        "  in use: %d files (%d bytes), %d originals (%d bytes), %d journal"
                                                + " entries, %d API keys (at %s)",
                                        u.files(),
                                        u.fileBytes(),
                                        u.originals(),
                                        u.originalBytes(),
                                        u.journalEntries(),
                                        u.apiKeys(),
                                        u.scannedAt()));
            }
            if (status.keks().isEmpty()) {
                out.println("keyring:  not initialised (run `keys init`)");
            }
            return reachable ? 0 : 1;
        }
    }
}
