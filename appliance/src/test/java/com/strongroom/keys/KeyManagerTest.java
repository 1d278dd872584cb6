package com.strongroom.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.crypto.Aead;
import com.strongroom.crypto.DecryptionFailedException;
import com.strongroom.crypto.SecretKeyBytes;
import com.strongroom.store.H2Database;
import com.strongroom.testing.LabHsm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key hierarchy against a real SoftHSM2 token over PKCS#11. */
class KeyManagerTest {
    private static final byte[] AAD = "doc_1".getBytes(StandardCharsets.UTF_8);
    private static final String KEK = "strongroom-kek";

    @TempDir
    Path dir;

    private LabHsm.Token token;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void newToken() throws Exception {
        token = LabHsm.newToken(dir.resolve("hsm"));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private KeyManager keyManager(Pkcs11Hsm.Settings settings) throws Exception {
        H2Database db = H2Database.open(dir.resolve("keyring/keyring"), "db/keyring", false, null);
        open.add(db);
        KeyManager keys = KeyManager.create(new Keyring(db), settings);
        open.add(keys);
        return keys;
    }

    private KeyManager initialisedAndUnsealed() throws Exception {
        LabHsm.createKek(token, KEK);
        KeyManager keys = keyManager(token.settings());
        assertTrue(keys.initialize(KEK, false).created());
        assertTrue(keys.unseal(), () -> "unseal failed: " + keys.sealedReason());
        return keys;
    }

    private static void await(BooleanSupplier condition, Duration within, String what) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            Thread.sleep(100);
        }
    }

    @Test
    void initialisedKeyring_unsealsAndHoldsOnlyWrappedKeys() throws Exception {
        KeyManager keys = initialisedAndUnsealed();
        assertEquals(SealState.UNSEALED, keys.state());
        for (DekRecord record : keys.keyring().deks()) {
            byte[] plain = keys.key(record.purpose(), record.version()).bytes();
            assertEquals(32, plain.length);
            assertNotEquals(
                    java.util.HexFormat.of().formatHex(plain),
                    java.util.HexFormat.of().formatHex(record.wrapped()),
                    "keyring must not hold the plaintext DEK");
            assertEquals(40, record.wrapped().length, "RFC 5649 wrap of 32 bytes is 40 bytes");
        }
        assertEquals(KeyManager.SYSTEM_PURPOSES.size(), keys.keyring().deks().size());
    }

    @Test
    void wrongPin_staysSealedWithClearReason() throws Exception {
        LabHsm.createKek(token, KEK);
        KeyManager initialiser = keyManager(token.settings());
        initialiser.initialize(KEK, false);
        initialiser.close(); // PKCS#11 login state is per process: log the good session out first
        Path wrong = LabHsm.writeSecret(dir.resolve("wrong.pin"), "not-the-pin");
        KeyManager keys = keyManager(new Pkcs11Hsm.Settings(LabHsm.MODULE, token.label(), new PinSource(wrong)));
        assertFalse(keys.unseal());
        assertEquals(SealState.SEALED, keys.state());
        assertTrue(keys.sealedReason().contains("incorrect"), keys.sealedReason());
        assertFalse(keys.sealedReason().contains("not-the-pin"), "the PIN must never appear in messages");
        assertThrows(SealedException.class, () -> keys.primary("metadata"));
    }

    @Test
    void missingKek_initFailsClearlyAndStaysSealed() throws Exception {
        KeyManager keys = keyManager(token.settings());
        HsmException e = assertThrows(HsmException.class, () -> keys.initialize(KEK, false));
        assertEquals(HsmException.Reason.KEK_NOT_FOUND, e.reason());
        assertTrue(e.getMessage().contains("'" + KEK + "' not found"), e.getMessage());
        assertFalse(keys.unseal());
        assertEquals(SealState.SEALED, keys.state());
    }

    @Test
    void kekDeletedWhileServing_sealsWithinTenSecondsAndZeroesKeys() throws Exception {
        KeyManager keys = initialisedAndUnsealed();
        SecretKeyBytes metadataKey = keys.primary("metadata").key();
        try (KeyProbe probe = KeyProbe.start(keys, Duration.ofSeconds(2))) {
            LabHsm.deleteKekWithPkcs11Tool(token, KEK);
            await(() -> keys.state() == SealState.SEALED, Duration.ofSeconds(10), "sealed after KEK deletion");
        }
        assertTrue(metadataKey.isDestroyed(), "DEKs must be zeroed when sealed");
        assertTrue(keys.sealedReason().contains(KEK), keys.sealedReason());
        assertThrows(SealedException.class, () -> keys.key("metadata", 1));
    }

    @Test
    void tokenRestoredFromBackup_unsealsByItself() throws Exception {
        KeyManager keys = initialisedAndUnsealed();
        Path backup = LabHsm.backupTokens(dir.resolve("token-backup"));
        try (KeyProbe probe = KeyProbe.start(keys, Duration.ofSeconds(2))) {
            LabHsm.deleteKekWithPkcs11Tool(token, KEK);
            await(() -> keys.state() == SealState.SEALED, Duration.ofSeconds(10), "sealed after KEK deletion");
            LabHsm.restoreTokens(backup);
            await(() -> keys.state() == SealState.UNSEALED, Duration.ofSeconds(10), "unsealed after restore");
        }
        assertEquals(32, keys.primary("metadata").key().bytes().length);
    }

    @Test
    void kekRotation_keepsEverythingReadableWithoutTheOldKek() throws Exception {
        KeyManager keys = initialisedAndUnsealed();
        VersionedKey dek = keys.rotateDek("dataset:ds_1");
        byte[] sealed = Aead.encrypt(dek.key().bytes(), "confidential".getBytes(StandardCharsets.UTF_8), AAD);
        LabHsm.createKek(token, "strongroom-kek-2");

        KeyManager.KekRotation rotation = keys.rotateKek("strongroom-kek-2");
        assertEquals(KEK, rotation.fromLabel());
        assertEquals(KeyManager.SYSTEM_PURPOSES.size() + 1, rotation.rewrappedKeys());
        assertEquals(SealState.UNSEALED, keys.state(), "rotation happens while serving");
        keys.probe();
        assertEquals(SealState.UNSEALED, keys.state());

        keys.close();
        LabHsm.deleteKekWithPkcs11Tool(token, KEK);
        KeyManager restarted = keyManager(token.settings());
        assertTrue(restarted.unseal(), () -> "unseal under the new KEK failed: " + restarted.sealedReason());
        assertEquals("strongroom-kek-2", restarted.status().activeKekLabel());
        byte[] plain = Aead.decrypt(restarted.key("dataset:ds_1", dek.version()).bytes(), sealed, AAD);
        assertEquals("confidential", new String(plain, StandardCharsets.UTF_8));
    }

    @Test
    void dekRotation_newWritesUseNewVersionAndOldDataStaysReadable() throws Exception {
        KeyManager keys = initialisedAndUnsealed();
        VersionedKey v1 = keys.primary("backup");
        byte[] old = Aead.encrypt(v1.key().bytes(), "old".getBytes(StandardCharsets.UTF_8), AAD);
        VersionedKey v2 = keys.rotateDek("backup");
        assertEquals(v1.version() + 1, v2.version());
        assertEquals(v2.version(), keys.primary("backup").version());
        assertArrayEquals(
                "old".getBytes(StandardCharsets.UTF_8),
                Aead.decrypt(keys.key("backup", v1.version()).bytes(), old, AAD));
        assertEquals(
                DekState.ENABLED,
                keys.keyring().dek("backup", v1.version()).orElseThrow().state());
    }

    @Test
    void shreddedDek_isUnreadableForever() throws Exception {
        KeyManager keys = initialisedAndUnsealed();
        VersionedKey dek = keys.rotateDek("dataset:ds_gone");
        byte[] ciphertext = Aead.encrypt(dek.key().bytes(), "secret".getBytes(StandardCharsets.UTF_8), AAD);
        SecretKeyBytes inMemory = dek.key();

        assertTrue(keys.shred("dataset:ds_gone", dek.version()));
        assertTrue(inMemory.isDestroyed());
        DekRecord record = keys.keyring().dek("dataset:ds_gone", dek.version()).orElseThrow();
        assertEquals(DekState.DESTROYED, record.state());
        assertNull(record.wrapped(), "the wrapped key must be gone from the keyring");

        keys.close();
        KeyManager restarted = keyManager(token.settings());
        assertTrue(restarted.unseal());
        assertThrows(KeyDestroyedException.class, () -> restarted.key("dataset:ds_gone", dek.version()));
        // Even someone holding the zeroed array and the ciphertext learns nothing.
        assertThrows(
                DecryptionFailedException.class,
                () -> Aead.decrypt(inMemory.isDestroyed() ? new byte[32] : null, ciphertext, AAD));
    }
}
