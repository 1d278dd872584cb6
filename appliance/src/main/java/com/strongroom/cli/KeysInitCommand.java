package com.strongroom.cli;

import com.strongroom.keys.KeyManager;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "init",
        mixinStandardHelpOptions = true,
        description = "Create the keyring: check the KEK in the HSM and wrap fresh data keys under it. Idempotent.")
final class KeysInitCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(
            names = "--create-kek",
            description = "Generate the KEK inside the token if it is missing (lab or ceremony).")
    boolean createKek;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (OperatorSession s = new OperatorSession(config.load())) {
            KeyManager.InitResult result = s.keys.initialize(s.config.hsm().kekLabel(), createKek);
            if (result.created()) {
                s.unsealOrFail();
                spec.commandLine()
                        .getOut()
                        .printf(
                                "keyring created under KEK '%s' on token '%s'; data keys: %s%n",
                                result.kekLabel(), s.config.hsm().tokenLabel(), String.join(", ", result.purposes()));
            } else {
                spec.commandLine()
                        .getOut()
                        .printf("keyring already initialised under KEK '%s'; nothing changed%n", result.kekLabel());
            }
            return 0;
        }
    }
}
