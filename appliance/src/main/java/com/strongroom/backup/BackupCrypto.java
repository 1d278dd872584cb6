package com.strongroom.backup;

import com.strongroom.crypto.DecryptionFailedException;
import com.strongroom.crypto.Hkdf;
import com.strongroom.crypto.Hmac;
import com.strongroom.crypto.SealedBlob;
import com.strongroom.crypto.SecretKeyBytes;
import com.strongroom.keys.KeyDestroyedException;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.VersionedKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * What the backup DEK (purpose {@code backup}) protects: sealed objects (audit export, journal
 * segments) and the MACs over manifests. The key is the customer's: without the KEK in their HSM
 * nothing a target holds can be read or forged.
 *
 * <p>Sealed object: "SRB1", key version (int), {@link SealedBlob}. MAC'd document: one line
 * {@code srmac1 <version> <hex HMAC-SHA256>} then the body; the HMAC key is HKDF(backup DEK,
 * "strongroom/backup-manifest/v1") and covers the body and the object's name.
 */
final class BackupCrypto {
    static final String PURPOSE = "backup";
    private static final byte[] MAGIC = "SRB1".getBytes(StandardCharsets.US_ASCII);
    private static final String MAC_PREFIX = "srmac1 ";

    private final KeyManager keys;

    BackupCrypto(KeyManager keys) {
        this.keys = keys;
    }

    byte[] seal(String label, String name, byte[] content) {
        VersionedKey key = keys.primary(PURPOSE);
        byte[] sealed = SealedBlob.seal(key.key(), label, name, content);
        return ByteBuffer.allocate(MAGIC.length + 4 + sealed.length)
                .put(MAGIC)
                .putInt(key.version())
                .put(sealed)
                .array();
    }

    /** @throws CorruptBackupException naming {@code name} when the object does not authenticate */
    byte[] open(String label, String name, byte[] stored) throws CorruptBackupException {
        if (stored.length < MAGIC.length + 4 || !Arrays.equals(Arrays.copyOf(stored, MAGIC.length), MAGIC)) {
            throw new CorruptBackupException(name, "not a sealed backup object");
        }
        int version = ByteBuffer.wrap(stored, MAGIC.length, 4).getInt();
        try {
            return SealedBlob.open(
                    key(version, name), label, name, Arrays.copyOfRange(stored, MAGIC.length + 4, stored.length));
        } catch (DecryptionFailedException e) {
            throw new CorruptBackupException(name, "does not authenticate (corrupt or tampered)");
        }
    }

    /**
     * A keyed hash of a page's plaintext under the current backup key: equal pages get equal
     * fingerprints, so an unchanged page is not sealed and sent again; without the key the
     * fingerprint says nothing about the content.
     */
    String fingerprint(byte[] plaintext) {
        VersionedKey key = keys.primary(PURPOSE);
        byte[] idKey = Hkdf.derive(key.key().bytes(), new byte[0], "strongroom/backup-page-id/v1", 32);
        try {
            return "v" + key.version() + "-" + HexFormat.of().formatHex(Hmac.sha256(idKey, plaintext));
        } finally {
            Arrays.fill(idKey, (byte) 0);
        }
    }

    byte[] withMac(String name, byte[] body) {
        VersionedKey key = keys.primary(PURPOSE);
        String line = MAC_PREFIX + key.version() + " " + HexFormat.of().formatHex(mac(key.key(), name, body)) + "\n";
        byte[] head = line.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(head.length + body.length)
                .put(head)
                .put(body)
                .array();
    }

    /** The body of a MAC'd document, after checking its MAC. */
    byte[] checkMac(String name, byte[] stored) throws CorruptBackupException {
        int newline = -1;
        for (int i = 0; i < Math.min(stored.length, 200); i++) {
            if (stored[i] == '\n') {
                newline = i;
                break;
            }
        }
        if (newline < 0) {
            throw new CorruptBackupException(name, "has no MAC line");
        }
        String[] parts = new String(stored, 0, newline, StandardCharsets.US_ASCII).split(" ");
        if (parts.length != 3 || !(parts[0] + " ").equals(MAC_PREFIX)) {
            throw new CorruptBackupException(name, "has no MAC line");
        }
        byte[] body = Arrays.copyOfRange(stored, newline + 1, stored.length);
        byte[] expected;
        byte[] given;
        try {
            expected = mac(key(Integer.parseInt(parts[1]), name), name, body);
            given = HexFormat.of().parseHex(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new CorruptBackupException(name, "has a malformed MAC line");
        }
        if (!MessageDigest.isEqual(expected, given)) {
            throw new CorruptBackupException(name, "fails its MAC (corrupt or tampered)");
        }
        return body;
    }

    private SecretKeyBytes key(int version, String name) throws CorruptBackupException {
        try {
            return keys.key(PURPOSE, version);
        } catch (KeyDestroyedException | IllegalArgumentException e) {
            throw new CorruptBackupException(
                    name, "is protected by backup key version " + version + ", which this keyring does not hold");
        }
    }

    private static byte[] mac(SecretKeyBytes dek, String name, byte[] body) {
        byte[] macKey = Hkdf.derive(dek.bytes(), new byte[0], "strongroom/backup-manifest/v1", 32);
        try {
            return Hmac.sha256(macKey, name.getBytes(StandardCharsets.UTF_8), new byte[] {0}, body);
        } finally {
            Arrays.fill(macKey, (byte) 0);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
