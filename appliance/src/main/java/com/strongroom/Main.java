package com.strongroom;

import com.strongroom.cli.Cli;
import com.strongroom.store.H2Database;

/** `java -jar strongroom.jar <command>`: the service and its operator CLI in one jar. */
public final class Main {
    /** Held strongly: JUL forgets the level of a logger nobody references. */
    private static final java.util.logging.Logger FLYWAY_LOG = java.util.logging.Logger.getLogger("org.flywaydb");

    private Main() {}

    public static void main(String[] args) {
        // Before any H2 class loads (H2 reads it once): the keyring's auto-server, which lets the
        // CLI reach the keyring while the appliance runs, listens on loopback only, not on every
        // interface as H2 would by default.
        if (System.getProperty(H2Database.BIND_ADDRESS_PROPERTY) == null) {
            System.setProperty(H2Database.BIND_ADDRESS_PROPERTY, "127.0.0.1");
        }
        // One line per record, ISO time first: what journald and SIEM parsers expect.
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tLZ %4$s %3$s: %5$s%6$s%n");
        // Flyway narrates every start at INFO and warns that it has not certified this H2 version.
        FLYWAY_LOG.setLevel(java.util.logging.Level.SEVERE);
        int exit = Cli.commandLine().execute(args);
        if (exit != Cli.KEEP_RUNNING) {
            System.exit(exit);
        }
    }
}
