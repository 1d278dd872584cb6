package com.strongroom.api;

import com.strongroom.crypto.Drbg;
import com.strongroom.crypto.Fips;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;

/**
 * The server's SSL context for {@code server.tls-profile: fips}: BC-FIPS JSSE in FIPS mode over
 * the appliance's BC-FIPS provider, so the handshake, key exchange and record protection all run
 * inside the validated module, with its DRBG.
 */
final class FipsTlsContext {
    private static final String ALIAS = "server";

    private FipsTlsContext() {}

    /** The JSSE provider, created on first use so the standard profile never loads it. */
    private static final class Jsse {
        static final Provider PROVIDER = new BouncyCastleJsseProvider(true, Fips.provider());
    }

    static SSLContext create(PrivateKey key, X509Certificate certificate) throws GeneralSecurityException {
        if (!((BouncyCastleJsseProvider) Jsse.PROVIDER).isFipsMode()) {
            throw new GeneralSecurityException("BC-FIPS JSSE did not start in FIPS mode");
        }
        SSLContext context = SSLContext.getInstance("TLS", Jsse.PROVIDER);
        // No trust managers: the server never asks clients for certificates.
        context.init(new KeyManager[] {new OneKey(key, certificate)}, null, Drbg.secureRandom());
        return context;
    }

    static String providerDescription() {
        return Jsse.PROVIDER.getName() + " " + Jsse.PROVIDER.getVersionStr() + " (FIPS mode) over "
                + Fips.provider().getName() + " " + Fips.provider().getVersionStr();
    }

    /**
     * Serves the one key pair the appliance has. A keystore would do the same, but every keystore
     * type either needs a password for an in-memory copy or is not offered in approved-only mode.
     */
    private static final class OneKey extends X509ExtendedKeyManager {
        private final PrivateKey key;
        private final X509Certificate[] chain;

        OneKey(PrivateKey key, X509Certificate certificate) {
            this.key = key;
            this.chain = new X509Certificate[] {certificate};
        }

        // In TLS 1.3 BC-FIPS JSSE asks per signature scheme, with EC key types as "EC/<curve>".
        private String aliasFor(String keyType) {
            return keyType != null && keyType.equalsIgnoreCase(keyType()) ? ALIAS : null;
        }

        private String keyType() {
            if (key instanceof ECKey ec) {
                return switch (ec.getParams().getCurve().getField().getFieldSize()) {
                    case 256 -> "EC/secp256r1";
                    case 384 -> "EC/secp384r1";
                    case 521 -> "EC/secp521r1";
                    default -> "EC/unknown";
                };
            }
            return key.getAlgorithm();
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return aliasFor(keyType);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return aliasFor(keyType);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return aliasFor(keyType) == null ? null : new String[] {ALIAS};
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.clone() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }
    }
}
