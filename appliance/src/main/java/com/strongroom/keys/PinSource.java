package com.strongroom.keys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Set;

/**
 * Where the HSM user PIN comes from: a file readable only by the service account, or a systemd
 * credential. Never the command line or the configuration file, which end up in process lists,
 * shell histories and backups.
 */
public record PinSource(Path file) {

    /** systemd exposes credentials as files under $CREDENTIALS_DIRECTORY. */
    public static PinSource systemdCredential(String name, String credentialsDirectory) {
        if (credentialsDirectory == null || credentialsDirectory.isBlank()) {
            throw new IllegalArgumentException(
                    "hsm.pin-credential '" + name + "' is set but $CREDENTIALS_DIRECTORY is not: "
                            + "start the service with LoadCredential=" + name + ":<path>");
        }
        return new PinSource(Path.of(credentialsDirectory, name));
    }

    /** Reads the PIN; the caller must zero the returned array when done. */
    public char[] read() throws HsmException {
        if (!Files.isReadable(file)) {
            throw new HsmException(
                    HsmException.Reason.PIN_UNAVAILABLE, "HSM PIN file " + file + " is missing or unreadable");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ)) {
                throw new HsmException(
                        HsmException.Reason.PIN_UNAVAILABLE,
                        "HSM PIN file " + file + " is readable by group or others; chmod 600 it");
            }
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system (or a credential tmpfs without ACL support): nothing to check.
        }
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new HsmException(HsmException.Reason.PIN_UNAVAILABLE, "HSM PIN file " + file + " cannot be read", e);
        }
        try {
            int end = raw.length;
            while (end > 0 && (raw[end - 1] == '\n' || raw[end - 1] == '\r')) {
                end--;
            }
            if (end == 0) {
                throw new HsmException(HsmException.Reason.PIN_UNAVAILABLE, "HSM PIN file " + file + " is empty");
            }
            CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(raw, 0, end));
            char[] pin = new char[chars.remaining()];
            chars.get(pin);
            Arrays.fill(chars.array(), '\0');
            return pin;
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }
}
