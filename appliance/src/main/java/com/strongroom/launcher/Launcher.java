package com.strongroom.launcher;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Entry point of `java -jar strongroom.jar`. Compiled for Java 17 so that it runs on whatever
 * `java` is first on the PATH: on a JDK 25 started with the flags the appliance needs it hands
 * over directly; otherwise it finds a JDK 25 and re-runs the same command on it with those flags
 * (the Vector API module cannot be enabled from a jar manifest).
 */
public final class Launcher {
    private static final int REQUIRED = 25;
    private static final String MAIN = "com.strongroom.Main";

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        boolean vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        if (Runtime.version().feature() >= REQUIRED && vector) {
            Method main = Class.forName(MAIN).getMethod("main", String[].class);
            main.invoke(null, (Object) args);
            return;
        }
        Path java = findJava();
        if (java == null) {
            System.err.println("Strongroom needs Java " + REQUIRED + " (this is Java "
                    + Runtime.version().feature() + "). Install Temurin " + REQUIRED
                    + " under /usr/lib/jvm or set JAVA_HOME to a JDK " + REQUIRED + ".");
            System.exit(1);
        }
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.add("--add-modules");
        command.add("jdk.incubator.vector");
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MAIN);
        command.addAll(List.of(args));
        Process child = new ProcessBuilder(command).inheritIO().start();
        // Ctrl-C or a service manager's SIGTERM must reach the appliance, which shuts down cleanly.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            child.destroy();
            try {
                child.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        System.exit(child.waitFor());
    }

    private static Path findJava() throws IOException {
        List<Path> candidates = new ArrayList<>();
        String javaHome = System.getenv("JAVA_HOME");
        if (javaHome != null && !javaHome.isEmpty()) {
            candidates.add(Paths.get(javaHome));
        }
        candidates.add(Paths.get("/usr/lib/jvm/temurin-" + REQUIRED + "-jdk-amd64"));
        Path jvms = Paths.get("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> dirs = Files.list(jvms)) {
                dirs.filter(p -> p.getFileName().toString().contains("-" + REQUIRED)
                                || p.getFileName().toString().contains("jdk-" + REQUIRED))
                        .sorted()
                        .forEach(candidates::add);
            }
        }
        for (Path home : candidates) {
            Path java = home.resolve("bin").resolve("java");
            if (Files.isExecutable(java) && releaseOf(home) >= REQUIRED) {
                return java;
            }
        }
        return null;
    }

    /** Reads JAVA_VERSION from the JDK's `release` file rather than starting a JVM to ask. */
    private static int releaseOf(Path home) {
        Path release = home.resolve("release");
        try {
            for (String line : Files.readAllLines(release)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(v.split("[.+-]")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
