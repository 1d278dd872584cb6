package com.strongroom.cli;

import com.strongroom.audit.AuditEvent;
import com.strongroom.keys.KeyManager;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "rotate-kek",
        mixinStandardHelpOptions = true,
        description = "Re-wrap every data key under a new KEK while the appliance keeps serving. No data is rewritten.")
final class KeysRotateKekCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--new-label", required = true, paramLabel = "LABEL", description = "Label of the new KEK.")
    String newLabel;

    @Option(names = "--create", description = "Generate the new KEK inside the token first (lab or ceremony).")
    boolean create;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (OperatorSession s = new OperatorSession(config.load())) {
            s.unsealOrFail();
            try {
                if (create) {
                    s.keys.createKekInToken(newLabel);
                }
                KeyManager.KekRotation r = s.keys.rotateKek(newLabel);
                s.record(
                        "keys.rotate-kek",
                        "kek:" + newLabel,
                        AuditEvent.Outcome.SUCCESS,
                        "from " + r.fromLabel() + ", " + r.rewrappedKeys() + " keys re-wrapped");
                spec.commandLine()
                        .getOut()
                        .printf(
                                "KEK rotated: '%s' -> '%s', %d data keys re-wrapped. Keep the old "
                                        + "KEK until every backup made before now has expired.%n",
                                r.fromLabel(), r.toLabel(), r.rewrappedKeys());
                return 0;
            } catch (Exception e) {
                s.record("keys.rotate-kek", "kek:" + newLabel, AuditEvent.Outcome.FAILURE, e.getMessage());
                throw e;
            }
        }
    }
}
