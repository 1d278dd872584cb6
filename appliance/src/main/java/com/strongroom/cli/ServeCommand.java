package com.strongroom.cli;

import com.strongroom.Appliance;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the appliance (HTTPS API, HSM probe).")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws Exception {
        Appliance appliance = Appliance.start(config.load());
        Runtime.getRuntime().addShutdownHook(new Thread(appliance::close, "strongroom-shutdown"));
        return Cli.KEEP_RUNNING;
    }
}
