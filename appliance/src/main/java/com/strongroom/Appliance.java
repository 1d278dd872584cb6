package com.strongroom;

import com.strongroom.api.ApiRoutes;
import com.strongroom.api.HttpsServer;
import com.strongroom.api.TlsMaterial;
import com.strongroom.audit.AuditKeys;
import com.strongroom.audit.ChainedAuditLog;
import com.strongroom.audit.SealAuditor;
import com.strongroom.auth.ApiKeys;
import com.strongroom.auth.Bootstrap;
import com.strongroom.auth.Organizations;
import com.strongroom.config.StrongroomConfig;
import com.strongroom.crypto.Fips;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.KeyProbe;
import com.strongroom.keys.Keyring;
import com.strongroom.search.DatasetIndexes;
import com.strongroom.store.H2Database;
import com.strongroom.store.MetadataStore;
import io.helidon.webserver.WebServer;
import java.sql.SQLException;
import java.util.logging.Logger;

/**
 * The running appliance: keyring, key manager with its HSM probe, audit chain, metadata store
 * and the HTTPS server, wired by plain constructors in dependency order and closed in reverse.
 */
public final class Appliance implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Appliance.class.getName());

    private final H2Database keyringDb;
    private final KeyManager keys;
    private final KeyProbe probe;
    private final WebServer server;
    private final DatasetIndexes indexes;

    private Appliance(H2Database keyringDb, KeyManager keys, KeyProbe probe, WebServer server, DatasetIndexes indexes) {
        this.keyringDb = keyringDb;
        this.keys = keys;
        this.indexes = indexes;
        this.probe = probe;
        this.server = server;
    }

    public static Appliance start(StrongroomConfig config) throws SQLException {
        Fips.NativeStatus crypto = Fips.requireNativeAes(config.crypto().allowPureJava());
        LOG.info(() -> "BouncyCastle FIPS in approved-only mode; AES variant: " + crypto.variant()
                + (crypto.nativeAes() ? " (native)" : " (PURE JAVA: slow)"));

        H2Database keyringDb = OperatorStores.openKeyring(config);
        KeyManager keys = KeyManager.createInitialisingUnder(
                new Keyring(keyringDb),
                OperatorStores.hsmSettings(config),
                config.hsm().kekLabel());
        ChainedAuditLog audit = new ChainedAuditLog(keyringDb, new AuditKeys(keys));
        MetadataStore metadata = new MetadataStore(config.metadataFile());
        ApiKeys apiKeys = new ApiKeys(metadata, keys);
        keys.addListener(audit);
        keys.addListener(metadata);
        keys.addListener(new Bootstrap(new Organizations(metadata), apiKeys, audit, config.bootstrapKeyFile()));
        keys.addListener(new SealAuditor(audit));
        DatasetIndexes indexes = new DatasetIndexes(
                new DatasetIndexes.Settings(
                        config.index().root(),
                        config.index().pageCacheBytes(),
                        config.index().vectorCacheBytes(),
                        config.index().pageSize(),
                        config.index().commitInterval()),
                keys);
        keys.addListener(indexes);

        TlsMaterial tls = TlsMaterial.loadOrCreate(
                config.server().tlsDir(), config.server().hostNames());
        WebServer server = HttpsServer.start(
                new HttpsServer.Settings(
                        config.server().host(),
                        config.server().httpsPort(),
                        config.server().httpPort(),
                        tls.toTls()),
                routing -> ApiRoutes.routing(routing, new ApiRoutes.Services(keys, apiKeys, audit, crypto)));

        keys.unseal();
        KeyProbe probe = KeyProbe.start(keys, config.hsm().probeInterval());
        Appliance appliance = new Appliance(keyringDb, keys, probe, server, indexes);
        LOG.info(() -> "Strongroom is listening on " + appliance.url() + " (" + keys.state() + ")");
        return appliance;
    }

    public String url() {
        return "https://" + hostForUrl() + ":" + server.port();
    }

    private String hostForUrl() {
        return "127.0.0.1";
    }

    public int httpsPort() {
        return server.port();
    }

    public KeyManager keys() {
        return keys;
    }

    @Override
    public void close() {
        probe.close();
        server.stop();
        keys.close(); // seals: indexes commit and close, caches are wiped
        indexes.close();
        keyringDb.close();
        LOG.info("Strongroom stopped");
    }
}
