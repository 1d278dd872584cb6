package com.strongroom.store;

import com.strongroom.crypto.Drbg;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;

/**
 * A random password that the service and the operator CLI on the same host share through a file
 * only their user can read. It is made on first use and never leaves the host: a restored home
 * gets a new one.
 */
public final class LocalPassword {
    private LocalPassword() {}

    /** Reads {@code file}, or creates it with 256 random bits; the caller zeroes the array. */
    public static char[] loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            try {
                create(file);
            } catch (FileAlreadyExistsException e) {
                // Another process (the CLI beside the service) made it first: read theirs.
            }
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
            throw new IOException(file + " is readable by group or others; chmod 600 it");
        }
        byte[] raw = Files.readAllBytes(file);
        try {
            String text = new String(raw, StandardCharsets.US_ASCII).strip();
            if (text.length() < 32) {
                throw new IOException(file + " holds no password; remove it to have a new one made");
            }
            return text.toCharArray();
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private static void create(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        byte[] random = Drbg.bytes(32);
        byte[] text = Base64.getUrlEncoder().withoutPadding().encode(random);
        Arrays.fill(random, (byte) 0);
        // Created with its final mode, so the password is never readable by others, not for an instant.
        try (FileChannel out = FileChannel.open(
                file,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            out.write(ByteBuffer.wrap(text));
            out.force(true);
        } finally {
            Arrays.fill(text, (byte) 0);
        }
    }
}
