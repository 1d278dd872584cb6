package com.strongroom.index;

import com.strongroom.crypto.Drbg;
import com.strongroom.crypto.Hkdf;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.OptionalInt;
import javax.crypto.spec.SecretKeySpec;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.IndexFormatTooNewException;
import org.apache.lucene.index.IndexFormatTooOldException;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.IndexInput;

/**
 * The clear-text header in front of every encrypted file:
 *
 * <pre>
 * magic "SRIX" (4) | version (1) | log2(page size) (1) | key version (4, big-endian) | salt (32)
 *   | name length (2, big-endian) | name (UTF-8)
 * </pre>
 *
 * Nothing in it is secret. All of it is HKDF info for the per-file key, so changing any header
 * byte yields a different key and every page then fails authentication.
 */
final class FileHeader {
    static final int VERSION = 1;
    static final int SALT_BYTES = 32;
    private static final byte[] MAGIC = {'S', 'R', 'I', 'X'};
    private static final int SALT_OFFSET = MAGIC.length + 2 + Integer.BYTES;
    private static final int FIXED_BYTES = SALT_OFFSET + SALT_BYTES + 2;
    private static final byte[] KEY_INFO = "strongroom/index-file-key/v1".getBytes(StandardCharsets.US_ASCII);

    private final String name;
    private final int pageShift;
    private final int keyVersion;
    private final byte[] encoded;

    private FileHeader(String name, int pageShift, int keyVersion, byte[] encoded) {
        this.name = name;
        this.pageShift = pageShift;
        this.keyVersion = keyVersion;
        this.encoded = encoded;
    }

    static FileHeader create(String name, int pageShift, int keyVersion) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 0xFFFF) {
            throw new IllegalArgumentException("file name too long: " + nameBytes.length + " bytes");
        }
        ByteBuffer out = ByteBuffer.allocate(FIXED_BYTES + nameBytes.length)
                .put(MAGIC)
                .put((byte) VERSION)
                .put((byte) pageShift)
                .putInt(keyVersion)
                .put(Drbg.bytes(SALT_BYTES))
                .putShort((short) nameBytes.length)
                .put(nameBytes);
        return new FileHeader(name, pageShift, keyVersion, out.array());
    }

    /** Bytes at the start of a file that {@link #keyVersionOf} needs. */
    static final int KEY_VERSION_END = MAGIC.length + 2 + Integer.BYTES;

    /** The key version a file's first bytes name, or empty when they are not an encrypted file's. */
    static OptionalInt keyVersionOf(byte[] head) {
        if (head.length < KEY_VERSION_END
                || !Arrays.equals(Arrays.copyOf(head, MAGIC.length), MAGIC)
                || head[MAGIC.length] != VERSION) {
            return OptionalInt.empty();
        }
        int version = ByteBuffer.wrap(head, MAGIC.length + 2, Integer.BYTES).getInt();
        return version < 1 ? OptionalInt.empty() : OptionalInt.of(version);
    }

    /** Reads the header at the current position of {@code in}; the file must be bound to {@code name}. */
    static FileHeader read(IndexInput in, String name, String resource) throws IOException {
        byte[] fixed = new byte[FIXED_BYTES];
        readFully(in, fixed, resource);
        ByteBuffer buf = ByteBuffer.wrap(fixed);
        byte[] magic = new byte[MAGIC.length];
        buf.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new CorruptIndexException("not an encrypted index file (bad magic)", resource);
        }
        int version = buf.get();
        if (version < VERSION) {
            throw new IndexFormatTooOldException(resource, version, VERSION, VERSION);
        } else if (version > VERSION) {
            throw new IndexFormatTooNewException(resource, version, VERSION, VERSION);
        }
        int pageShift = buf.get();
        if (pageShift < EncryptedDirectory.MIN_PAGE_SHIFT || pageShift > EncryptedDirectory.MAX_PAGE_SHIFT) {
            throw new CorruptIndexException("invalid page size 2^" + pageShift, resource);
        }
        int keyVersion = buf.getInt();
        if (keyVersion < 1) {
            throw new CorruptIndexException("invalid key version " + keyVersion, resource);
        }
        buf.position(buf.position() + SALT_BYTES);
        byte[] nameBytes = new byte[Short.toUnsignedInt(buf.getShort())];
        readFully(in, nameBytes, resource);
        String bound = new String(nameBytes, StandardCharsets.UTF_8);
        if (!bound.equals(name)) {
            throw new CorruptIndexException(
                    "content is bound to file \"" + bound + "\", not \"" + name + "\"", resource);
        }
        byte[] encoded = Arrays.copyOf(fixed, FIXED_BYTES + nameBytes.length);
        System.arraycopy(nameBytes, 0, encoded, FIXED_BYTES, nameBytes.length);
        return new FileHeader(name, pageShift, keyVersion, encoded);
    }

    private static void readFully(IndexInput in, byte[] dst, String resource) throws IOException {
        try {
            in.readBytes(dst, 0, dst.length);
        } catch (EOFException e) {
            throw new CorruptIndexException("truncated header", resource, e);
        }
    }

    /**
     * HKDF-SHA256(DEK version named in the header, salt, info = label || header): a fresh key per
     * file, bound to every header byte.
     */
    SecretKeySpec deriveKey(IndexKeys keys, String resource) throws IOException {
        byte[] ikm;
        try {
            ikm = keys.key(keyVersion).bytes();
        } catch (IllegalStateException e) {
            throw new AlreadyClosedException("index key destroyed; cannot use \"" + name + "\"", e);
        }
        if (ikm.length != 32) {
            throw new CorruptIndexException("key version " + keyVersion + " is not a 32-byte key", resource);
        }
        byte[] salt = Arrays.copyOfRange(encoded, SALT_OFFSET, SALT_OFFSET + SALT_BYTES);
        byte[] info = Arrays.copyOf(KEY_INFO, KEY_INFO.length + encoded.length);
        System.arraycopy(encoded, 0, info, KEY_INFO.length, encoded.length);
        byte[] okm = Hkdf.derive(ikm, salt, info, 32);
        try {
            return new SecretKeySpec(okm, "AES");
        } finally {
            Arrays.fill(okm, (byte) 0);
        }
    }

    /** The i-th 64-bit word of the salt. */
    long saltWord(int i) {
        return ByteBuffer.wrap(encoded).getLong(SALT_OFFSET + Long.BYTES * i);
    }

    String name() {
        return name;
    }

    int pageShift() {
        return pageShift;
    }

    int keyVersion() {
        return keyVersion;
    }

    byte[] encoded() {
        return encoded;
    }

    int length() {
        return encoded.length;
    }
}
