package com.strongroom.backup;

import com.strongroom.keys.KeyManager;
import com.strongroom.keys.Keyring;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Keeps each target's key manifests current: a new one whenever the keyring changed (a dataset
 * created, a key rotated or shredded), written before any journal segment or snapshot that needs
 * it; superseded ones deleted once the shred window has passed since they were superseded.
 */
final class KeyManifests {
    private static final Logger LOG = Logger.getLogger(KeyManifests.class.getName());

    private final Keyring keyring;
    private final BackupCrypto crypto;
    private final Clock clock;
    private final Duration shredWindow;

    KeyManifests(KeyManager keys, BackupCrypto crypto, Clock clock, Duration shredWindow) {
        this.keyring = keys.keyring();
        this.crypto = crypto;
        this.clock = clock;
        this.shredWindow = shredWindow;
    }

    /** Writes a new key manifest to {@code target} if its newest one differs from the keyring. */
    void ship(BackupTarget target) throws IOException {
        KeyManifest current;
        try {
            current = new KeyManifest(clock.instant(), keyring.keks(), keyring.deks());
        } catch (SQLException e) {
            throw new IOException("keyring unreadable: " + e.getMessage(), e);
        }
        List<BackupTarget.ObjectInfo> existing = target.list(ObjectNames.KEYS);
        Optional<KeyManifest> newest = Optional.empty();
        if (!existing.isEmpty()) {
            String name = existing.get(existing.size() - 1).key();
            try {
                newest = Optional.of(read(target, name));
            } catch (CorruptBackupException e) {
                LOG.warning("target " + target.name() + ": " + e.getMessage() + "; writing a new key manifest");
            }
        }
        if (newest.isEmpty() || !current.sameKeysAs(newest.get())) {
            String name = ObjectNames.keys(current.createdAt());
            if (!existing.isEmpty()
                    && name.compareTo(existing.get(existing.size() - 1).key()) <= 0) {
                // the clock went back: keep names in order, the newest must sort last
                name = ObjectNames.keys(
                        ObjectNames.timeOf(existing.get(existing.size() - 1).key())
                                .orElseThrow()
                                .plusMillis(1));
            }
            target.put(name, crypto.withMac(name, current.toJson()));
            existing = target.list(ObjectNames.KEYS);
        }
        prune(target, existing);
    }

    /** Superseded manifests go once the window has passed since their successor was written. */
    private void prune(BackupTarget target, List<BackupTarget.ObjectInfo> manifests) throws IOException {
        Instant now = clock.instant();
        for (int i = 0; i + 1 < manifests.size(); i++) {
            Optional<Instant> supersededAt =
                    ObjectNames.timeOf(manifests.get(i + 1).key());
            if (supersededAt.isPresent()
                    && !supersededAt.get().plus(shredWindow).isAfter(now)) {
                target.delete(manifests.get(i).key());
            }
        }
    }

    KeyManifest read(BackupTarget target, String name) throws IOException, CorruptBackupException {
        byte[] stored = target.get(name).orElseThrow(() -> new CorruptBackupException(name, "is missing"));
        return KeyManifest.fromJson(name, crypto.checkMac(name, stored));
    }
}
