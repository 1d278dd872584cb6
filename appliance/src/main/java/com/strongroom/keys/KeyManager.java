package com.strongroom.keys;

import com.strongroom.crypto.Drbg;
import com.strongroom.crypto.SecretKeyBytes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The key hierarchy at run time: KEK in the HSM, DEKs unwrapped in memory while unsealed. It
 * seals itself (listeners close their data, DEKs are zeroed) as soon as the KEK stops answering,
 * and unseals again when it comes back; {@link #probe()} drives both and is called on a timer.
 */
public final class KeyManager implements AutoCloseable {
    /** Purposes every appliance has from `keys init` on; datasets add their own. */
    public static final List<String> SYSTEM_PURPOSES = List.of("metadata", "audit", "apikeys", "backup");

    private static final Logger LOG = Logger.getLogger(KeyManager.class.getName());
    private static final int DEK_BYTES = 32;

    private final Keyring keyring;
    private final Pkcs11Hsm.Settings hsmSettings;
    private final List<SealListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, SecretKeyBytes> deks = new ConcurrentHashMap<>();
    private final Map<String, Integer> primaryVersions = new ConcurrentHashMap<>();

    private volatile SealState state = SealState.SEALED;
    /** True while seal listeners run: they may still use keys to flush; nothing else may. */
    private volatile boolean sealing;
    /** True while unseal listeners open their data; requests still see SEALED. */
    private volatile boolean unsealing;

    private volatile String sealedReason = "not unsealed yet";
    /** Set by the probe watchdog while a hung HSM call holds this manager: requests are refused. */
    private volatile String stalledReason;

    private Pkcs11Hsm hsm;
    private String lastFailure;
    private FileTime pinFileTimeAtRejection;

    private final String autoInitKekLabel;

    private KeyManager(Keyring keyring, Pkcs11Hsm.Settings hsmSettings, String autoInitKekLabel) {
        this.keyring = keyring;
        this.hsmSettings = hsmSettings;
        this.autoInitKekLabel = autoInitKekLabel;
    }

    public static KeyManager create(Keyring keyring, Pkcs11Hsm.Settings hsmSettings) {
        return new KeyManager(keyring, hsmSettings, null);
    }

    /**
     * For the service: an empty keyring is initialised under {@code kekLabel} at the first unseal
     * that finds that KEK, so a first start before the KEK exists waits sealed instead of failing.
     */
    public static KeyManager createInitialisingUnder(Keyring keyring, Pkcs11Hsm.Settings hsmSettings, String kekLabel) {
        return new KeyManager(keyring, hsmSettings, kekLabel);
    }

    public void addListener(SealListener listener) {
        listeners.add(listener);
    }

    public SealState state() {
        return stalledReason != null ? SealState.SEALED : state;
    }

    public String sealedReason() {
        String stalled = stalledReason;
        if (stalled != null) {
            return stalled;
        }
        return state == SealState.SEALED ? sealedReason : null;
    }

    public Keyring keyring() {
        return keyring;
    }

    public record InitResult(boolean created, String kekLabel, List<String> purposes) {}

    /**
     * Creates the keyring: checks (or, with {@code createKek}, generates) the KEK in the HSM and
     * wraps a fresh DEK for every system purpose. Idempotent: an existing keyring is left alone.
     */
    public synchronized InitResult initialize(String kekLabel, boolean createKek) throws HsmException, SQLException {
        Optional<KekRecord> existing = keyring.activeKek();
        if (existing.isPresent()) {
            return new InitResult(false, existing.get().label(), List.of());
        }
        Pkcs11Hsm session = connectedHsm();
        if (!session.kekExists(kekLabel)) {
            if (!createKek) {
                throw new HsmException(
                        HsmException.Reason.KEK_NOT_FOUND,
                        "KEK '" + kekLabel + "' not found on token '" + session.tokenLabel()
                                + "'; create it in the HSM first (see keys/README.md)");
            }
            session.createKek(kekLabel);
            LOG.info(() -> "generated KEK '" + kekLabel + "' inside token '" + session.tokenLabel() + "'");
        }
        byte[] canary = wrapFresh(session, kekLabel);
        keyring.insertActiveKek(kekLabel, canary);
        for (String purpose : SYSTEM_PURPOSES) {
            addVersion(session, kekLabel, purpose);
        }
        for (SealListener listener : listeners) {
            listener.keyringInitialised(this, kekLabel);
        }
        return new InitResult(true, kekLabel, SYSTEM_PURPOSES);
    }

    /** Tries to unseal; returns whether the appliance is unsealed afterwards. Never throws. */
    public synchronized boolean unseal() {
        if (state == SealState.UNSEALED) {
            return true;
        }
        if (pinStillRejected()) {
            return false;
        }
        try {
            if (autoInitKekLabel != null && !keyring.isInitialized()) {
                InitResult init = initialize(autoInitKekLabel, false);
                LOG.info(() -> "keyring initialised under KEK '" + init.kekLabel() + "'");
            }
            KekRecord kek = keyring.activeKek()
                    .orElseThrow(() -> new IllegalStateException("the keyring is not initialised: run `keys init`"));
            Pkcs11Hsm session = connectedHsm();
            session.checkKek(kek.label(), kek.canary());
            for (DekRecord record : keyring.deks()) {
                if (record.state() != DekState.DESTROYED) {
                    deks.put(id(record.purpose(), record.version()), unwrap(session, record));
                }
                if (record.state() == DekState.PRIMARY) {
                    primaryVersions.put(record.purpose(), record.version());
                }
            }
            // Listeners open their data with the keys before anyone sees UNSEALED (and READY).
            unsealing = true;
            try {
                for (SealListener listener : listeners) {
                    listener.afterUnseal(this);
                }
            } finally {
                unsealing = false;
            }
            state = SealState.UNSEALED;
            sealedReason = null;
            lastFailure = null;
            LOG.info(() -> "unsealed: KEK '" + kek.label() + "' on token '" + hsmSettings.tokenLabel() + "', "
                    + deks.size() + " data keys in memory");
            return true;
        } catch (HsmException | SQLException | RuntimeException e) {
            if (e instanceof HsmException h && h.reason() == HsmException.Reason.PIN_INCORRECT) {
                pinFileTimeAtRejection = pinFileTime();
            }
            String message = e.getMessage() != null ? e.getMessage() : e.toString();
            boolean newFailure = !message.equals(lastFailure);
            if (!deks.isEmpty()) {
                // A component failed to open: close the ones that did, through the normal path.
                state = SealState.UNSEALED;
                seal(message, Level.FINE);
            }
            sealedReason = message;
            zeroKeys();
            closeHsm();
            state = SealState.SEALED;
            lastFailure = message;
            if (newFailure) {
                LOG.log(Level.WARNING, "sealed: cannot unseal: " + message);
                for (SealListener listener : listeners) {
                    listener.unsealFailed(this, message);
                }
            }
            return false;
        }
    }

    /**
     * A rejected PIN is not retried until the PIN file changes: real HSMs lock the user PIN
     * after a few failures, and a locked PIN needs the security officer.
     */
    private boolean pinStillRejected() {
        if (pinFileTimeAtRejection == null) {
            return false;
        }
        FileTime now = pinFileTime();
        if (now != null && now.equals(pinFileTimeAtRejection)) {
            return true;
        }
        pinFileTimeAtRejection = null;
        return false;
    }

    private FileTime pinFileTime() {
        try {
            return Files.getLastModifiedTime(hsmSettings.pin().file());
        } catch (IOException e) {
            return null;
        }
    }

    /** Seals now: new requests see SEALED at once, listeners close their data, DEKs are zeroed. */
    public synchronized void seal(String reason) {
        seal(reason, Level.WARNING);
    }

    private void seal(String reason, Level level) {
        if (state == SealState.SEALED) {
            return;
        }
        state = SealState.SEALED;
        sealedReason = reason;
        lastFailure = reason;
        LOG.log(level, "sealing: " + reason);
        List<SealListener> reversed = new ArrayList<>(listeners);
        java.util.Collections.reverse(reversed);
        sealing = true;
        try {
            for (SealListener listener : reversed) {
                try {
                    listener.beforeSeal(this, reason);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "a component failed to close cleanly while sealing", e);
                }
            }
        } finally {
            sealing = false;
        }
        zeroKeys();
        closeHsm();
    }

    /**
     * Seals though a hung HSM call may hold this manager's lock (the probe runs under it): new
     * requests are refused at once, and the full seal (listeners closed, DEKs zeroed) runs on the
     * calling thread as soon as the lock is free.
     */
    public void sealStalled(String reason) {
        stalledReason = reason;
        LOG.log(Level.SEVERE, "sealing: " + reason);
        synchronized (this) {
            try {
                seal(reason);
            } finally {
                stalledReason = null;
            }
        }
    }

    /** One health check of the HSM; seals or unseals as needed. Called on a short interval. */
    public synchronized void probe() {
        if (state == SealState.SEALED) {
            unseal();
            return;
        }
        try {
            KekRecord kek =
                    keyring.activeKek().orElseThrow(() -> new IllegalStateException("the keyring has no active KEK"));
            connectedHsm().checkKek(kek.label(), kek.canary());
            refreshFromKeyring();
        } catch (HsmException | SQLException | RuntimeException e) {
            seal(e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }

    /** Picks up changes another process (the CLI) made: new primaries, destroyed versions. */
    private void refreshFromKeyring() throws SQLException {
        for (DekRecord record : keyring.deks()) {
            if (record.state() == DekState.DESTROYED) {
                SecretKeyBytes gone = deks.remove(id(record.purpose(), record.version()));
                if (gone != null) {
                    gone.destroy();
                }
            } else if (record.state() == DekState.PRIMARY) {
                primaryVersions.put(record.purpose(), record.version());
            }
        }
    }

    /** The DEK version that new writes of {@code purpose} must use. */
    public VersionedKey primary(String purpose) {
        requireUnsealed();
        Integer version = primaryVersions.get(purpose);
        if (version == null) {
            throw new IllegalArgumentException("no primary key for purpose '" + purpose + "'");
        }
        try {
            return new VersionedKey(purpose, version, key(purpose, version));
        } catch (KeyDestroyedException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The DEK version that protects existing data; loads versions another process added. */
    public SecretKeyBytes key(String purpose, int version) throws KeyDestroyedException {
        requireUnsealed();
        SecretKeyBytes key = deks.get(id(purpose, version));
        if (key != null && !key.isDestroyed()) {
            return key;
        }
        return loadKey(purpose, version);
    }

    private synchronized SecretKeyBytes loadKey(String purpose, int version) throws KeyDestroyedException {
        requireUnsealed();
        SecretKeyBytes cached = deks.get(id(purpose, version));
        if (cached != null && !cached.isDestroyed()) {
            return cached;
        }
        try {
            DekRecord record = keyring.dek(purpose, version)
                    .orElseThrow(() -> new IllegalArgumentException("no key " + purpose + " v" + version));
            if (record.state() == DekState.DESTROYED) {
                throw new KeyDestroyedException(purpose, version);
            }
            SecretKeyBytes key = unwrap(connectedHsm(), record);
            deks.put(id(purpose, version), key);
            return key;
        } catch (HsmException e) {
            seal(e.getMessage());
            throw new SealedException();
        } catch (SQLException e) {
            throw new IllegalStateException("keyring unreadable: " + e.getMessage(), e);
        }
    }

    /** Starts a new DEK version for new writes of {@code purpose} (creating the purpose if new). */
    public synchronized VersionedKey rotateDek(String purpose) throws HsmException, SQLException {
        requireUnsealed();
        KekRecord kek = keyring.activeKek().orElseThrow();
        int version = addVersion(connectedHsm(), kek.label(), purpose);
        return new VersionedKey(purpose, version, deks.get(id(purpose, version)));
    }

    /** Generates a new KEK in the token, for a rotation (lab, or HSMs that allow it). */
    public synchronized void createKekInToken(String label) throws HsmException {
        connectedHsm().createKek(label);
    }

    public record KekRotation(String fromLabel, String toLabel, int rewrappedKeys) {}

    /**
     * Re-wraps every live DEK under {@code newLabel} while serving: no data is rewritten, because
     * the DEKs themselves do not change. The new KEK must already exist in the HSM.
     */
    public synchronized KekRotation rotateKek(String newLabel) throws HsmException, SQLException {
        requireUnsealed();
        KekRecord current = keyring.activeKek().orElseThrow();
        if (current.label().equals(newLabel)) {
            throw new IllegalArgumentException("KEK '" + newLabel + "' is already the active KEK");
        }
        Pkcs11Hsm session = connectedHsm();
        if (!session.kekExists(newLabel)) {
            throw new HsmException(
                    HsmException.Reason.KEK_NOT_FOUND,
                    "new KEK '" + newLabel + "' not found on token '" + session.tokenLabel()
                            + "'; the security team creates it first (see keys/README.md)");
        }
        List<Keyring.Rewrapped> rewrapped = new ArrayList<>();
        for (DekRecord record : keyring.deks()) {
            if (record.state() == DekState.DESTROYED) {
                continue;
            }
            SecretKeyBytes key = deks.get(id(record.purpose(), record.version()));
            if (key == null || key.isDestroyed()) {
                key = unwrap(session, record);
                deks.put(id(record.purpose(), record.version()), key);
            }
            rewrapped.add(
                    new Keyring.Rewrapped(record.purpose(), record.version(), session.wrap(newLabel, key.bytes())));
        }
        keyring.switchKek(newLabel, wrapFresh(session, newLabel), rewrapped);
        LOG.info(() -> "KEK rotated from '" + current.label() + "' to '" + newLabel + "'; " + rewrapped.size()
                + " data keys re-wrapped");
        return new KekRotation(current.label(), newLabel, rewrapped.size());
    }

    /** Marks a version nothing uses any more RETIRED: still readable, never written. */
    public synchronized boolean retire(String purpose, int version) throws SQLException {
        if (primaryVersions.getOrDefault(purpose, -1) == version) {
            throw new IllegalArgumentException(purpose + " v" + version + " is the primary version");
        }
        return keyring.retire(purpose, version);
    }

    /** Crypto-shredding: data under this version can never be read again, by anyone. */
    public synchronized boolean shred(String purpose, int version) throws SQLException {
        boolean destroyed = keyring.destroy(purpose, version);
        SecretKeyBytes key = deks.remove(id(purpose, version));
        if (key != null) {
            key.destroy();
        }
        primaryVersions.remove(purpose, version);
        return destroyed;
    }

    public KeyStatus status() throws SQLException {
        return new KeyStatus(
                state,
                sealedReason(),
                hsmSettings.tokenLabel(),
                keyring.activeKek().map(KekRecord::label).orElse(null),
                keyring.keks(),
                keyring.deks(),
                keyring.usage());
    }

    private int addVersion(Pkcs11Hsm session, String kekLabel, String purpose) throws HsmException, SQLException {
        SecretKeyBytes dek = SecretKeyBytes.random(DEK_BYTES);
        int version = keyring.addPrimary(purpose, kekLabel, session.wrap(kekLabel, dek.bytes()));
        if (state == SealState.UNSEALED) {
            deks.put(id(purpose, version), dek);
            primaryVersions.put(purpose, version);
        } else {
            dek.destroy();
        }
        return version;
    }

    private static byte[] wrapFresh(Pkcs11Hsm session, String kekLabel) throws HsmException {
        byte[] canary = Drbg.bytes(DEK_BYTES);
        try {
            return session.wrap(kekLabel, canary);
        } finally {
            java.util.Arrays.fill(canary, (byte) 0);
        }
    }

    private static SecretKeyBytes unwrap(Pkcs11Hsm session, DekRecord record) throws HsmException {
        byte[] raw = session.unwrap(record.kekLabel(), record.wrapped());
        if (raw.length != DEK_BYTES) {
            java.util.Arrays.fill(raw, (byte) 0);
            throw new HsmException(
                    HsmException.Reason.UNWRAP_FAILED,
                    "DEK " + record.purpose() + " v" + record.version() + " unwrapped to an unexpected length");
        }
        return SecretKeyBytes.adopt(raw);
    }

    private Pkcs11Hsm connectedHsm() throws HsmException {
        if (hsm == null) {
            hsm = Pkcs11Hsm.connect(hsmSettings);
        }
        return hsm;
    }

    /** Keys are readable while unsealed, and by seal listeners while they open or close. */
    public boolean keysAvailable() {
        return (state == SealState.UNSEALED && stalledReason == null) || sealing || unsealing;
    }

    private void requireUnsealed() {
        if (!keysAvailable()) {
            throw new SealedException();
        }
    }

    private void zeroKeys() {
        deks.values().forEach(SecretKeyBytes::destroy);
        deks.clear();
        primaryVersions.clear();
    }

    private void closeHsm() {
        if (hsm != null) {
            hsm.close();
            hsm = null;
        }
    }

    private static String id(String purpose, int version) {
        return purpose + "#" + version;
    }

    @Override
    public synchronized void close() {
        seal("shutting down", Level.FINE);
        closeHsm();
    }
}
