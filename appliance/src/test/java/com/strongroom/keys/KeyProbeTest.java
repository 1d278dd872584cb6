package com.strongroom.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.store.H2Database;
import com.strongroom.testing.LabHsm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HSM probe keeps running whatever it throws, and a probe that hangs seals the appliance. */
class KeyProbeTest {
    private static final Duration INTERVAL = Duration.ofMillis(200);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    private KeyManager unsealed() throws Exception {
        LabHsm.Token token = LabHsm.newToken(dir.resolve("hsm"));
        LabHsm.createKek(token, "strongroom-kek");
        H2Database db = H2Database.open(dir.resolve("keyring/keyring"), "db/keyring", false, null);
        open.add(db);
        KeyManager keys = KeyManager.create(new Keyring(db), token.settings());
        open.add(keys);
        assertTrue(keys.initialize("strongroom-kek", false).created());
        assertTrue(keys.unseal(), () -> "unseal failed: " + keys.sealedReason());
        return keys;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    /**
     * A PKCS#11 call that never returns, inside the real probe, holds the key manager's lock (the
     * probe is synchronized on it) and throws nothing: the stand-in below does the same.
     */
    @Test
    void probeThatHangs_sealsTheApplianceAfterThreeIntervals_andTheSealCompletesWhenItLetsGo() throws Exception {
        KeyManager keys = unsealed();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        keys.addListener(new SealListener() {
            @Override
            public void afterUnseal(KeyManager k) {}

            @Override
            public void beforeSeal(KeyManager k, String reason) {
                closed.countDown();
            }
        });
        KeyProbe probe = KeyProbe.start(keys, INTERVAL, () -> {
            synchronized (keys) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        open.add(probe);
        try {
            await(() -> keys.state() == SealState.SEALED, "sealed by the watchdog");
            assertTrue(
                    keys.sealedReason().contains("HSM probe has not completed for 3 intervals"), keys.sealedReason());
            assertThrows(SealedException.class, () -> keys.primary("metadata"), "no key while sealed");
            assertEquals(1, closed.getCount(), "the hung call still holds the lock: the listeners wait for it");
        } finally {
            release.countDown();
        }
        assertTrue(closed.await(10, java.util.concurrent.TimeUnit.SECONDS), "full seal once the call let go");
        assertEquals(SealState.SEALED, keys.state());
    }

    @Test
    void probeThatThrowsAnError_runsAgainAtTheNextInterval() throws Exception {
        KeyManager keys = unsealed();
        AtomicInteger runs = new AtomicInteger();
        KeyProbe probe = KeyProbe.start(keys, INTERVAL, () -> {
            if (runs.incrementAndGet() == 1) {
                throw new LinkageError("the PKCS#11 wrapper failed to load a class");
            }
        });
        open.add(probe);
        await(() -> runs.get() >= 3, "the probe ran again after the error; runs: " + runs.get());
        assertEquals(SealState.UNSEALED, keys.state(), "probes that completed since keep it unsealed");
    }
}
