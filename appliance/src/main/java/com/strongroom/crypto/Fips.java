package com.strongroom.crypto;

import java.security.Provider;
import java.security.Security;
import org.bouncycastle.crypto.CryptoServicesRegistrar;
import org.bouncycastle.crypto.NativeServices;
import org.bouncycastle.jcajce.provider.BouncyCastleFipsProvider;

/**
 * The one place that brings up BouncyCastle FIPS: approved-only mode, the provider, and the
 * native-code check. Every other class in this package calls {@link #provider()} so that no
 * local cryptography can run before this has.
 */
public final class Fips {
    public static final String PROVIDER = "BCFIPS";
    static final String APPROVED_ONLY_PROPERTY = "org.bouncycastle.fips.approved_only";

    private static final Provider INSTANCE = install();

    private Fips() {}

    private static Provider install() {
        // Must be set before any BC-FIPS class initialises: the module reads it once, globally.
        System.setProperty(APPROVED_ONLY_PROPERTY, "true");
        Provider existing = Security.getProvider(PROVIDER);
        Provider provider = existing != null ? existing : new BouncyCastleFipsProvider();
        if (existing == null) {
            Security.addProvider(provider);
        }
        if (!CryptoServicesRegistrar.isInApprovedOnlyMode()) {
            throw new IllegalStateException("BouncyCastle FIPS is not in approved-only mode; "
                    + "it was initialised before Strongroom could set " + APPROVED_ONLY_PROPERTY);
        }
        return provider;
    }

    public static Provider provider() {
        return INSTANCE;
    }

    /** What the native (assembler) AES of BC-FIPS is doing on this machine. */
    public static NativeStatus nativeStatus() {
        provider();
        NativeServices services = CryptoServicesRegistrar.getNativeServices();
        boolean aes = services.isEnabled()
                && services.hasService(NativeServices.AES_GCM)
                && services.hasService(NativeServices.AES_CTR);
        return new NativeStatus(
                aes, services.isEnabled() ? services.getVariant() : "java", services.getStatusMessage());
    }

    /**
     * Refuses to go on when native AES is not active: BC-FIPS silently falls back to pure Java,
     * which is two orders of magnitude slower and would make the encrypted index unusable.
     */
    public static NativeStatus requireNativeAes(boolean allowPureJava) {
        NativeStatus status = nativeStatus();
        if (!status.nativeAes() && !allowPureJava) {
            throw new IllegalStateException("BouncyCastle FIPS native AES is not active (variant '"
                    + status.variant() + "': " + status.message() + "). Refusing to start; set "
                    + "crypto.allow-pure-java: true to run anyway (about 100x slower).");
        }
        return status;
    }

    public record NativeStatus(boolean nativeAes, String variant, String message) {}
}
