package com.strongroom.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class CliTest {
    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cli = Cli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "serve",
                "keys",
                "keys init",
                "keys init-token",
                "keys status",
                "keys rotate-kek",
                "keys rotate-dek",
                "keys shred",
                "audit",
                "audit verify",
                "audit export",
                "bench",
                "sso",
                "sso provision"
            })
    void everyCommandHasHelp(String command) {
        String[] args = (command + " --help").split(" ");
        Run run = run(args);
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().startsWith("Usage: strongroom " + command), run.out());
    }

    @org.junit.jupiter.api.Test
    void missingRequiredOption_isAUsageError() {
        Run run = run("keys", "rotate-kek");
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("--new-label"), run.err());
    }

    @org.junit.jupiter.api.Test
    void shredWithoutConfirmation_refuses() {
        Run run = run("keys", "shred", "--purpose", "dataset:ds_1", "--key-version", "1");
        assertNotEquals(0, run.exit());
        assertTrue(run.err().contains("--yes"), run.err());
    }

    /** `java -jar strongroom.jar` with the machine's older default java still runs the appliance. */
    @org.junit.jupiter.api.Test
    void launcherOnAnOlderJava_handsOverToJdk25() throws Exception {
        java.nio.file.Path java17 = java.nio.file.Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(java17), "no Java 17 here");
        Process p = new ProcessBuilder(
                        java17.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "com.strongroom.launcher.Launcher",
                        "keys",
                        "--help")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("Usage: strongroom keys"), out);
        assertTrue(out.contains("jdk.incubator.vector"), "re-run on JDK 25 with the Vector API module: " + out);
    }
}
