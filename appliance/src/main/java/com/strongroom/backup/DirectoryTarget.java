package com.strongroom.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A backup target on a local or NFS-mounted directory: key {@code a/b/c} is the file {@code
 * <path>/a/b/c}.
 *
 * <p>Writes are crash-safe: the bytes go to a temp file beside the final one ({@code .<name>.<random>.tmp},
 * a name no valid key can have, see {@link ObjectKeys}), which is fsynced, atomically renamed over
 * the final name, and then the directory is fsynced so the rename itself survives a power cut. A
 * crash leaves the old object or the new one, at worst with a stray temp file that {@link #list}
 * does not show. Directories are created 0700 and files 0600: backups are ciphertext, but their
 * names and sizes are still nobody else's business.
 */
final class DirectoryTarget implements BackupTarget {
    private static final FileAttribute<Set<PosixFilePermission>> DIR_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final String TEMP_SUFFIX = ".tmp";

    private final String name;
    private final Path root;

    private DirectoryTarget(String name, Path root) {
        this.name = name;
        this.root = root;
    }

    /** Opens (and creates, 0700, when missing) the directory {@code settings.path()}. */
    static DirectoryTarget create(TargetSettings settings) throws IOException {
        if (settings.path() == null) {
            throw new IllegalArgumentException(
                    "backup.targets[].path must be set for directory target '" + settings.name() + "'");
        }
        Path root = settings.path().toAbsolutePath().normalize();
        DirectoryTarget target = new DirectoryTarget(settings.name(), root);
        try {
            target.createDirectories(root);
        } catch (IOException e) {
            throw new IOException(
                    "backup target '" + settings.name() + "': cannot create directory " + root + ": " + describe(e), e);
        }
        return target;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
        Path file = resolve(key);
        try {
            write(file, channel -> {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            });
        } catch (IOException e) {
            throw failure("write", key, e);
        }
    }

    @Override
    public void put(String key, Path source) throws IOException {
        Path file = resolve(key);
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
            write(file, out -> {
                long size = in.size();
                long done = 0;
                while (done < size) {
                    long n = in.transferTo(done, size - done, out);
                    if (n <= 0) {
                        // a half copy must not be stored as if it were the file
                        throw new IOException(source + " shrank while it was being copied");
                    }
                    done += n;
                }
            });
        } catch (IOException e) {
            throw failure("write", key, e);
        }
    }

    @Override
    public Optional<byte[]> get(String key) throws IOException {
        Path file = resolve(key);
        try {
            return Optional.of(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public InputStream open(String key) throws IOException {
        Path file = resolve(key);
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw notFound(key);
        } catch (IOException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public boolean exists(String key) throws IOException {
        return Files.isRegularFile(resolve(key), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        ObjectKeys.requireValidPrefix(prefix);
        // Walk only the deepest directory the prefix names: listing one snapshot's objects must
        // not read the whole target.
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        List<ObjectInfo> found = new ArrayList<>();
        if (!Files.isDirectory(start, LinkOption.NOFOLLOW_LINKS)) {
            return found;
        }
        try {
            Files.walkFileTree(start, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return dir.equals(start) || !isHidden(dir)
                            ? FileVisitResult.CONTINUE
                            : FileVisitResult.SKIP_SUBTREE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && !isHidden(file)) {
                        String key = toKey(file);
                        if (key.startsWith(prefix)) {
                            found.add(new ObjectInfo(
                                    key, attrs.size(), attrs.lastModifiedTime().toInstant()));
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE; // deleted while we walked: not there, then
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw failure("list", prefix, e);
        }
        found.sort(Comparator.comparing(ObjectInfo::key));
        return found;
    }

    @Override
    public void delete(String key) throws IOException {
        Path file = resolve(key);
        try {
            if (Files.deleteIfExists(file)) {
                fsyncDirectory(file.getParent());
            }
        } catch (IOException e) {
            throw failure("delete", key, e);
        }
    }

    @Override
    public void close() {
        // nothing held open
    }

    @Override
    public String toString() {
        return "DirectoryTarget[" + name + ", " + root + "]";
    }

    private interface Writer {
        void writeTo(FileChannel channel) throws IOException;
    }

    private void write(Path file, Writer writer) throws IOException {
        Path dir = file.getParent();
        createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + file.getFileName() + ".", TEMP_SUFFIX, FILE_MODE);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                writer.writeTo(channel);
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        fsyncDirectory(dir);
    }

    /** Like Files.createDirectories, but 0700 and with each new entry made durable in its parent. */
    private void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.getParent();
        if (parent != null) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(dir, DIR_MODE);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw e; // a file where a directory of keys should be
            }
            return; // made by a concurrent put
        }
        if (parent != null) {
            fsyncDirectory(parent);
        }
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private Path resolve(String key) {
        ObjectKeys.requireValid(key);
        Path file = root.resolve(key).normalize();
        if (!file.startsWith(root) || file.equals(root)) {
            // ObjectKeys already rules this out; a second check costs nothing where a mistake costs a lot.
            throw new IllegalArgumentException("invalid backup object key '" + key + "': outside the target");
        }
        return file;
    }

    private String toKey(Path file) {
        Path relative = root.relativize(file);
        StringBuilder key = new StringBuilder();
        for (Path segment : relative) {
            if (!key.isEmpty()) {
                key.append('/');
            }
            key.append(segment);
        }
        return key.toString();
    }

    /** Temp files, and anything else no valid key can name, are not objects. */
    private static boolean isHidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    private NoSuchFileException notFound(String key) {
        return new NoSuchFileException(key, null, "no such object in backup target '" + name + "'");
    }

    private IOException failure(String action, String key, IOException cause) {
        return new IOException(
                "backup target '" + name + "': cannot " + action + " '" + key + "': " + describe(cause), cause);
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + message;
    }
}
