package com.strongroom.testing;

import com.strongroom.keys.HsmException;
import com.strongroom.keys.PinSource;
import com.strongroom.keys.Pkcs11Hsm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Real SoftHSM2 tokens for tests: one token directory per test JVM ($SOFTHSM2_CONF, set by the
 * build), a fresh token with its own label and PINs per test. Nothing here is faked.
 */
public final class LabHsm {
    public static final String MODULE = "/usr/lib/softhsm/libsofthsm2.so";
    private static final Path CONF = Path.of(requireEnv("SOFTHSM2_CONF"));
    private static final Path TOKENS = CONF.resolveSibling("tokens");

    static {
        try {
            Files.createDirectories(TOKENS);
            Files.writeString(
                    CONF,
                    "directories.tokendir = " + TOKENS + "\nobjectstore.backend = file\n"
                            + "log.level = ERROR\nslots.removable = false\n");
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private LabHsm() {}

    private static String requireEnv(String name) {
        String value = System.getenv(name);
        if (value == null) {
            throw new IllegalStateException("$" + name + " must be set (the Maven build sets it)");
        }
        return value;
    }

    public static Path softhsmConf() {
        return CONF;
    }

    public record Token(String label, Path userPinFile, Path soPinFile) {
        public Pkcs11Hsm.Settings settings() {
            return new Pkcs11Hsm.Settings(MODULE, label, new PinSource(userPinFile));
        }
    }

    /** A new initialised token; its PIN files are written to {@code dir} with mode 0600. */
    public static Token newToken(Path dir) throws IOException, HsmException {
        String label = "t-" + UUID.randomUUID().toString().substring(0, 8);
        Path user = writeSecret(dir.resolve("user.pin"), UUID.randomUUID().toString());
        Path so = writeSecret(dir.resolve("so.pin"), UUID.randomUUID().toString());
        Pkcs11Hsm.initializeToken(MODULE, label, new PinSource(so), new PinSource(user));
        return new Token(label, user, so);
    }

    public static Path writeSecret(Path file, String value) throws IOException {
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, value + "\n");
        return file;
    }

    public static void createKek(Token token, String kekLabel) throws HsmException {
        try (Pkcs11Hsm hsm = Pkcs11Hsm.connect(token.settings())) {
            hsm.createKek(kekLabel);
        }
    }

    /** Deletes a key the way a security officer would: with OpenSC's pkcs11-tool, another process. */
    public static void deleteKekWithPkcs11Tool(Token token, String kekLabel) throws IOException, InterruptedException {
        String pin = Files.readString(token.userPinFile()).trim();
        Process p = new ProcessBuilder(
                        "pkcs11-tool",
                        "--module",
                        MODULE,
                        "--token-label",
                        token.label(),
                        "--login",
                        "--pin",
                        pin,
                        "--delete-object",
                        "--type",
                        "secrkey",
                        "--label",
                        kekLabel)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("pkcs11-tool failed: " + out);
        }
    }

    /** A copy of every token file: what restoring an HSM from its backup gives back. */
    public static Path backupTokens(Path into) throws IOException {
        copyTree(TOKENS, into);
        return into;
    }

    public static void restoreTokens(Path from) throws IOException {
        copyTree(from, TOKENS);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
