package com.strongroom.testing;

import com.strongroom.crypto.Aead;
import com.strongroom.crypto.Drbg;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Brings up BouncyCastle FIPS before any test runs. On first use it starts a JVM-wide daemon
 * ("BC Disposal Daemon") that lives as long as the JVM; started inside a randomizedtesting suite
 * (Lucene's test framework), it would be reported as a thread leaked by whichever suite ran first.
 */
public final class BcFipsWarmUp implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        Aead.encrypt(Drbg.bytes(32), new byte[1], new byte[0]);
    }
}
