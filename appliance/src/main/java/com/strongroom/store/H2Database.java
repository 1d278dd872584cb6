package com.strongroom.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;

/**
 * An embedded H2 database in file mode with its schema brought up to date by Flyway on open.
 * The keyring uses AUTO_SERVER so that the CLI (key rotation, audit verify) can work on it while
 * the appliance runs: H2 then serves other local processes over loopback only.
 */
public final class H2Database implements AutoCloseable {
    /** The system property H2 binds its servers to; Main sets it to 127.0.0.1. */
    public static final String BIND_ADDRESS_PROPERTY = "h2.bindAddress";

    private static final String USER = "STRONGROOM";

    private final JdbcDataSource dataSource;
    private final Connection keepAlive;
    private final char[] password;

    private H2Database(JdbcDataSource dataSource, Connection keepAlive, char[] password) {
        this.dataSource = dataSource;
        this.keepAlive = keepAlive;
        this.password = password;
    }

    /** @param filePassword null for an unencrypted file; else H2 CIPHER=AES with this file key */
    public static H2Database open(Path file, String migrations, boolean autoServer, char[] filePassword)
            throws SQLException {
        return open(file, migrations, autoServer, filePassword, null);
    }

    /**
     * @param schemaVersion migrate only up to this version (a snapshot's rows are loaded into the
     *     schema they were written under, then migrated with the rest); null for the newest
     */
    public static H2Database open(
            Path file, String migrations, boolean autoServer, char[] filePassword, String schemaVersion)
            throws SQLException {
        return open(file, migrations, autoServer, filePassword, null, schemaVersion);
    }

    /**
     * An unencrypted database other local processes reach through its auto-server, on loopback
     * only and only with {@code userPassword}. A database still without a password (made before
     * passwords, or freshly restored) gets it set on this first open. The caller keeps and zeroes
     * {@code userPassword}.
     */
    public static H2Database openShared(Path file, String migrations, char[] userPassword) throws SQLException {
        try {
            return open(file, migrations, true, null, userPassword.clone(), null);
        } catch (SQLException e) {
            if (e.getErrorCode() != org.h2.api.ErrorCode.WRONG_USER_OR_PASSWORD || !Files.exists(dbFile(file))) {
                throw e;
            }
        }
        try (H2Database unprotected = open(file, migrations, false, null, new char[0], null);
                Connection c = unprotected.connection();
                java.sql.PreparedStatement alter = c.prepareStatement("ALTER USER \"" + USER + "\" SET PASSWORD ?")) {
            alter.setString(1, new String(userPassword));
            alter.execute();
        } catch (SQLException e) {
            if (e.getErrorCode() == org.h2.api.ErrorCode.WRONG_USER_OR_PASSWORD) {
                throw new SQLException(
                        file + " is protected by a password other than the one this home holds; restore the password"
                                + " file that belongs to it",
                        e.getSQLState(),
                        e.getErrorCode(),
                        e);
            }
            throw e;
        }
        return open(file, migrations, true, null, userPassword.clone(), null);
    }

    private static Path dbFile(Path file) {
        return file.resolveSibling(file.getFileName() + ".mv.db");
    }

    private static H2Database open(
            Path file,
            String migrations,
            boolean autoServer,
            char[] filePassword,
            char[] userPassword,
            String schemaVersion)
            throws SQLException {
        try {
            Files.createDirectories(file.getParent());
        } catch (java.io.IOException e) {
            throw new SQLException("cannot create database directory " + file.getParent() + ": " + e.getMessage(), e);
        }
        // WRITE_DELAY=0: a commit reaches the file before it returns. H2's default (500 ms) loses
        // the last half second on a kill -9, e.g. documents already answered with 202.
        StringBuilder url =
                new StringBuilder("jdbc:h2:file:").append(file.toAbsolutePath()).append(";WRITE_DELAY=0");
        if (autoServer) {
            requireLoopbackBinding();
            url.append(";AUTO_SERVER=TRUE");
        }
        if (filePassword != null) {
            url.append(";CIPHER=AES");
        }
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url.toString());
        ds.setUser(USER);
        char[] password = userPassword != null ? userPassword : new char[0];
        if (filePassword != null) {
            // H2 takes "<file password> <user password>"; the user password adds nothing here.
            password = Arrays.copyOf(filePassword, filePassword.length + 2);
            password[filePassword.length] = ' ';
            password[filePassword.length + 1] = 'x';
        }
        // H2 keeps this very array for later connections; close() zeroes it.
        ds.setPasswordChars(password);
        Connection keepAlive;
        try {
            keepAlive = ds.getConnection();
            org.flywaydb.core.api.configuration.FluentConfiguration flyway =
                    Flyway.configure().dataSource(ds).locations("classpath:" + migrations);
            if (schemaVersion != null) {
                flyway.target(schemaVersion);
            }
            flyway.load().migrate();
        } catch (SQLException | RuntimeException e) {
            Arrays.fill(password, '\0');
            throw e;
        }
        try {
            restrictFiles(file);
        } catch (SQLException e) {
            keepAlive.close();
            Arrays.fill(password, '\0');
            throw e;
        }
        return new H2Database(ds, keepAlive, password);
    }

    /**
     * H2's auto-server takes other processes' connections on a TCP port; bound to every interface
     * (H2's default) it would be reachable from other hosts. The setting is read once, when H2's
     * classes load, so it is checked as H2 holds it, not as the property now says.
     */
    private static void requireLoopbackBinding() throws SQLException {
        String bound = org.h2.engine.SysProperties.BIND_ADDRESS;
        boolean loopback;
        try {
            loopback = bound != null && java.net.InetAddress.getByName(bound).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            loopback = false;
        }
        if (!loopback) {
            throw new SQLException("the keyring's auto-server would listen on "
                    + (bound == null ? "every interface" : bound) + ": start the JVM with -D" + BIND_ADDRESS_PROPERTY
                    + "=127.0.0.1 (the strongroom launcher does)");
        }
    }

    /**
     * The database, lock and trace files readable by this user only, whatever the umask: the lock
     * file of an auto-server database holds the id that lets a client in.
     */
    private static void restrictFiles(Path file) throws SQLException {
        for (String suffix : new String[] {".mv.db", ".lock.db", ".trace.db"}) {
            Path f = file.resolveSibling(file.getFileName() + suffix);
            try {
                if (Files.exists(f)) {
                    Files.setPosixFilePermissions(
                            f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                }
            } catch (java.io.IOException | UnsupportedOperationException e) {
                throw new SQLException("cannot restrict " + f + " to its owner: " + e.getMessage(), e);
            }
        }
    }

    /** The newest migration applied to this database, e.g. "6". */
    public String schemaVersion() throws SQLException {
        try (Connection c = connection();
                java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT \"version\" FROM \"flyway_schema_history\""
                        + " WHERE \"success\" AND \"version\" IS NOT NULL ORDER BY \"installed_rank\" DESC LIMIT 1")) {
            if (!rs.next()) {
                throw new SQLException("the database has no applied migration");
            }
            return rs.getString(1);
        }
    }

    /**
     * Forces every committed change onto the disk. WRITE_DELAY=0 makes H2 write a commit to the
     * file before the commit returns, but H2 never calls fsync on a commit: the write sits in the
     * operating system's page cache and a power cut or kernel panic loses it. {@code CHECKPOINT
     * SYNC} stores any pending changes and then calls {@code FileChannel.force(true)} on the file
     * (H2's Database.sync, Store.sync, SingleFileStore.sync).
     */
    public void sync() throws SQLException {
        try (Connection c = connection();
                java.sql.Statement s = c.createStatement()) {
            s.execute("CHECKPOINT SYNC");
        }
    }

    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        try {
            keepAlive.close();
        } catch (SQLException e) {
            // Closing is best effort; H2 flushes on the last close.
        } finally {
            Arrays.fill(password, '\0');
        }
    }
}
