package com.strongroom.cli;

import com.strongroom.config.StrongroomConfig;
import com.strongroom.keys.PinSource;
import com.strongroom.keys.Pkcs11Hsm;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "init-token",
        mixinStandardHelpOptions = true,
        description = "Initialise a free token with the configured label (C_InitToken) and set its user PIN from "
                + "hsm.pin-file. PINs are read from files, never from arguments.")
final class KeysInitTokenCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(
            names = "--so-pin-file",
            required = true,
            paramLabel = "FILE",
            description = "File holding the security officer PIN (mode 0600).")
    Path soPinFile;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        StrongroomConfig c = config.load();
        Pkcs11Hsm.initializeToken(
                c.hsm().module().toString(),
                c.hsm().tokenLabel(),
                new PinSource(soPinFile),
                new PinSource(c.hsm().pinFile()));
        spec.commandLine()
                .getOut()
                .printf(
                        "token '%s' initialised on %s%n",
                        c.hsm().tokenLabel(), c.hsm().module());
        return 0;
    }
}
