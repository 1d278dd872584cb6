package com.strongroom.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real appliance CLI in a child JVM (same classes and flags as `java -jar`), with its
 * own STRONGROOM_HOME. The output goes to a file the test can search for leaked secrets.
 */
public final class ApplianceProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private ApplianceProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public record Result(int exitCode, String output) {}

    private static List<String> command(Path configFile, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        // C1 only: a child lives for one CLI command or one test's serve, far too short for C2's
        // compilations to pay back; ApplianceEndToEndTest used 33 % less CPU with it.
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "com.strongroom.Main"));
        cmd.addAll(List.of(args));
        if (configFile != null) {
            cmd.addAll(List.of("--config", configFile.toString()));
        }
        return cmd;
    }

    private static ProcessBuilder builder(Path home, Map<String, String> env, List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("STRONGROOM_HOME", home.toString());
        pb.environment().put("SOFTHSM2_CONF", LabHsm.softhsmConf().toString());
        pb.environment().putAll(env);
        return pb;
    }

    /** Runs a CLI command to completion. */
    public static Result run(Path home, Path configFile, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        Process p = builder(home, env, command(configFile, args)).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("CLI did not finish: " + String.join(" ", args));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Starts `serve` in the background; output goes to {@code log}. */
    public static ApplianceProcess serve(Path home, Path configFile, Map<String, String> env, Path log)
            throws IOException {
        ProcessBuilder pb = builder(home, env, command(configFile, "serve"))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new ApplianceProcess(pb.start(), log);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** Stops the server by its PID with SIGTERM (the shutdown hook closes it cleanly), then waits. */
    public int stop(Duration grace) throws InterruptedException {
        ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroy);
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(15));
        }
    }
}
