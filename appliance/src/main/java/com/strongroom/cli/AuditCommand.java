package com.strongroom.cli;

import com.strongroom.audit.AuditExporter;
import com.strongroom.audit.AuditVerifier;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = "Verify and export the audit trail.",
        subcommands = {AuditCommand.Verify.class, AuditCommand.Export.class})
final class AuditCommand {

    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = "Check the whole HMAC chain. Exit 0 if intact; 1 naming the first bad entry.")
    static final class Verify implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (OperatorSession s = new OperatorSession(config.load())) {
                s.unsealOrFail();
                AuditVerifier.Result r = new AuditVerifier(s.keyringDb, s.auditKeys).verify();
                if (r.intact()) {
                    spec.commandLine()
                            .getOut()
                            .printf("audit log intact: %d entries verified, %d pending%n", r.verified(), r.pending());
                    return 0;
                }
                spec.commandLine()
                        .getErr()
                        .printf(
                                "audit log TAMPERED: first bad entry is #%d: %s (%d entries verified " + "before it)%n",
                                r.firstBadSeq(), r.problem(), r.verified());
                return 1;
            }
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, description = "Write the audit log as JSON Lines.")
    static final class Export implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Option(
                names = {"-o", "--output"},
                paramLabel = "FILE",
                description = "Output file (default: standard output).")
        Path output;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (OperatorSession s = new OperatorSession(config.load())) {
                AuditExporter exporter = new AuditExporter(s.keyringDb);
                long n;
                if (output == null) {
                    n = exporter.export(System.out);
                    System.out.flush();
                } else {
                    try (OutputStream out = Files.newOutputStream(output)) {
                        n = exporter.export(out);
                    }
                    spec.commandLine().getErr().printf("%d entries written to %s%n", n, output);
                }
                return 0;
            }
        }
    }
}
