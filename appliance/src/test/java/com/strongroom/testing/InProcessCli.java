package com.strongroom.testing;

import com.strongroom.cli.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import picocli.CommandLine;

/**
 * A CLI command run by picocli in this JVM as {@code Main} runs it, with the environment a shell
 * would give it: what a test uses when it is not the process that matters but the command, and
 * that saves a JVM start (and BouncyCastle's self-tests) per command. The output is what the
 * command printed, followed by the log records written meanwhile (as a child's merged output has
 * them), so that a test looking for a leaked secret still sees the log.
 */
final class InProcessCli {
    private InProcessCli() {}

    static ApplianceProcess.Result run(Path config, Path home, Map<String, String> env, String... args)
            throws Exception {
        CommandLine cli = Cli.commandLine(LabAppliance.shellEnvironment(home, env));
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        String[] withConfig = Arrays.copyOf(args, args.length + 2);
        withConfig[args.length] = "--config";
        withConfig[args.length + 1] = config.toString();
        Path logFile = Files.createTempFile("cli-", ".log");
        int exit;
        try (CapturedLog log = CapturedLog.to(logFile)) {
            exit = cli.execute(withConfig);
        }
        String logged = Files.readString(logFile);
        Files.delete(logFile);
        return new ApplianceProcess.Result(exit, out + logged);
    }
}
