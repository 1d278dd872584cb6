package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.testing.ApplianceProcess;
import com.strongroom.testing.LabAppliance;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import org.h2.api.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the appliance keeps on the host stays on the host: the keyring's auto-server (how the CLI
 * reaches the keyring of a running appliance) listens on loopback only, and the database and lock
 * files, whose lock file holds the id that lets a client in, are readable by their owner only,
 * whatever the umask.
 */
class LocalSecretsEndToEndTest {
    @TempDir
    Path dir;

    @Test
    void theKeyringListensOnLoopbackOnly_andItsFilesAreTheOwnersAlone() throws Exception {
        try (LabAppliance lab = LabAppliance.start(dir, "")) {
            Path lock = lab.home.resolve("keyring/keyring.lock.db");
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(lock)) {
                p.load(in);
            }
            String server = p.getProperty("server");
            assertTrue(server != null && server.contains(":"), "the auto-server is running: " + p);
            String host = server.substring(0, server.lastIndexOf(':'));
            int port = Integer.parseInt(server.substring(server.lastIndexOf(':') + 1));
            assertTrue(InetAddress.getByName(host).isLoopbackAddress(), "the lock file names " + server);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000); // it is there
            }
            List<InetAddress> others = NetworkInterface.networkInterfaces()
                    .flatMap(NetworkInterface::inetAddresses)
                    .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                    .toList();
            assertFalse(others.isEmpty(), "this machine has an address other than loopback to try");
            for (InetAddress other : others) {
                assertThrows(
                        IOException.class,
                        () -> {
                            try (Socket s = new Socket()) {
                                s.connect(new InetSocketAddress(other, port), 2000);
                            }
                        },
                        "the keyring answers on " + other.getHostAddress() + ":" + port);
            }

            for (String f : List.of(
                    "keyring/keyring.mv.db",
                    "keyring/keyring.lock.db",
                    "keyring/keyring.password",
                    "data/metadata.mv.db",
                    "data/metadata.lock.db")) {
                Path file = lab.home.resolve(f);
                if (Files.exists(file)) {
                    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), f);
                }
            }
            assertTrue(Files.exists(lab.home.resolve("data/metadata.mv.db")));

            // knowing the server and its id (the lock file) is not enough: the keyring wants its password
            String url = "jdbc:h2:file:" + lab.home.resolve("keyring/keyring") + ";AUTO_SERVER=TRUE";
            SQLException refused =
                    assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "strongroom", "")
                            .close());
            assertEquals(ErrorCode.WRONG_USER_OR_PASSWORD, refused.getErrorCode(), refused.getMessage());
            String password = Files.readString(lab.home.resolve("keyring/keyring.password"))
                    .strip();
            try (Connection c = DriverManager.getConnection(url, "strongroom", password)) {
                assertTrue(c.isValid(2));
            }

            // the CLI, another process, still reaches the running appliance's keyring that way
            ApplianceProcess.Result status = lab.cliProcess("keys", "status");
            assertEquals(0, status.exitCode(), status.output());
        }
    }
}
