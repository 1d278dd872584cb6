package com.strongroom;

import com.strongroom.api.ApiRoutes;
import com.strongroom.api.HttpsServer;
import com.strongroom.api.TlsMaterial;
import com.strongroom.audit.AuditEvent;
import com.strongroom.audit.AuditKeys;
import com.strongroom.audit.AuditSearch;
import com.strongroom.audit.ChainedAuditLog;
import com.strongroom.audit.SealAuditor;
import com.strongroom.auth.AccessTokens;
import com.strongroom.auth.ApiKeys;
import com.strongroom.auth.Bootstrap;
import com.strongroom.auth.BrowserSessions;
import com.strongroom.auth.Members;
import com.strongroom.auth.OidcSignIn;
import com.strongroom.auth.Organizations;
import com.strongroom.backup.BackupService;
import com.strongroom.backup.IndexJournal;
import com.strongroom.backup.OperatorRequests;
import com.strongroom.config.StrongroomConfig;
import com.strongroom.crypto.Fips;
import com.strongroom.datasets.DatasetService;
import com.strongroom.datasets.DatasetStore;
import com.strongroom.datasets.PurgeJob;
import com.strongroom.documents.Document;
import com.strongroom.documents.DocumentService;
import com.strongroom.documents.DocumentStore;
import com.strongroom.embedding.DedicatedThreadEmbeddingModel;
import com.strongroom.embedding.EmbeddingModel;
import com.strongroom.embedding.HttpEmbeddingModel;
import com.strongroom.embedding.MiniLmEmbeddingModel;
import com.strongroom.ingest.Chunker;
import com.strongroom.ingest.ChunkingOptions;
import com.strongroom.ingest.DocumentLimits;
import com.strongroom.ingest.IngestListener;
import com.strongroom.ingest.IngestWorker;
import com.strongroom.ingest.TextExtractor;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.KeyProbe;
import com.strongroom.keys.Keyring;
import com.strongroom.rotation.DataKeyReencryption;
import com.strongroom.rotation.ReencryptionJob;
import com.strongroom.rotation.SystemKeyRetirement;
import com.strongroom.search.DatasetIndexes;
import com.strongroom.search.DatasetSearch;
import com.strongroom.store.ChangeJournal;
import com.strongroom.store.H2Database;
import com.strongroom.store.MetadataStore;
import com.strongroom.webhooks.Destinations;
import com.strongroom.webhooks.WebhookDispatcher;
import com.strongroom.webhooks.Webhooks;
import io.helidon.webserver.WebServer;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
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
    private final IngestWorker worker;
    private final PurgeJob purge;
    private final ReencryptionJob reencryption;
    private final EmbeddingModel model;
    private final WebhookDispatcher dispatcher;
    private final BackupService backups;

    private Appliance(
            H2Database keyringDb,
            KeyManager keys,
            KeyProbe probe,
            WebServer server,
            DatasetIndexes indexes,
            IngestWorker worker,
            PurgeJob purge,
            ReencryptionJob reencryption,
            EmbeddingModel model,
            WebhookDispatcher dispatcher,
            BackupService backups) {
        this.dispatcher = dispatcher;
        this.backups = backups;
        this.worker = worker;
        this.purge = purge;
        this.reencryption = reencryption;
        this.model = model;
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
        keys.addListener(new Bootstrap(
                new Organizations(metadata),
                apiKeys,
                audit,
                config.bootstrapKeyFile(),
                config.bootstrapOperatorKeyFile()));
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
        DatasetStore datasetRows = new DatasetStore(metadata);
        // in the dataset's organization's trail, not every organization's
        indexes.reportUnreadableTo((datasetId, reason) -> audit.record(new AuditEvent(
                java.time.Instant.now(),
                "system",
                datasetRows.organizationOf(datasetId).orElse(null),
                "dataset.unreadable",
                datasetId,
                "local",
                AuditEvent.Outcome.FAILURE,
                null,
                "its index cannot be read: " + reason)));
        ChangeJournal changeJournal = new ChangeJournal(metadata::db);
        indexes.journalChangesTo(new IndexJournal(changeJournal, keys));

        EmbeddingModel model = embeddingModel(config.embedding());
        DatasetSearch search = new DatasetSearch(indexes, model);
        Clock clock = Clock.systemUTC();
        DatasetService datasets = new DatasetService(
                new DatasetStore(metadata),
                indexes,
                keys,
                audit,
                clock,
                config.retention().softDeletedDatasets(),
                config.quotas());
        DocumentStore documentStore = new DocumentStore(metadata);
        Destinations webhookDestinations = new Destinations(config.webhooks().allowTargets());
        Webhooks webhooks = new Webhooks(metadata, keys, clock, webhookDestinations);
        WebhookDispatcher dispatcher = WebhookDispatcher.start(
                webhooks,
                keys,
                new WebhookDispatcher.Settings(
                        config.webhooks().retryBaseDelay(),
                        config.webhooks().maxAttempts(),
                        config.webhooks().disableAfter(),
                        config.webhooks().deliveryTimeout(),
                        config.webhooks().workers(),
                        webhookDestinations));
        IngestWorker worker = new IngestWorker(
                documentStore,
                indexes,
                keys,
                TextExtractor.create(
                        DocumentLimits.defaults()
                                .withMaxBytes(config.documents().maxBytes()),
                        config.documents().extractionTimeBudget()),
                new Chunker(new ChunkingOptions(
                        config.chunking().maxChars(), config.chunking().overlapChars())),
                model,
                clock,
                new IngestListener() {
                    @Override
                    public void processed(Document d, int chunks) {
                        webhooks.publish(
                                d.organizationId(),
                                "document.processed",
                                Map.of("document_id", d.id(), "dataset_id", d.datasetId(), "chunks_created", chunks));
                    }

                    @Override
                    public void failed(Document d, String reason) {
                        webhooks.publish(
                                d.organizationId(),
                                "document.processing_failed",
                                Map.of("document_id", d.id(), "dataset_id", d.datasetId(), "failure_reason", reason));
                    }
                },
                new IngestWorker.RetryDelay(
                        config.ingest().retryBaseDelay(), config.ingest().retryMaxDelay()));
        keys.addListener(worker);
        DocumentService documents = new DocumentService(
                documentStore,
                indexes,
                keys,
                worker::wake,
                clock,
                config.quotas().documentsPerDataset());
        PurgeJob purge = PurgeJob.start(datasets, keys, config.retention().purgeInterval());
        BackupService backups;
        try {
            backups = BackupService.create(
                    config.backup(), keys, metadata, changeJournal, indexes, keyringDb, audit, clock);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("backup target unavailable: " + e.getMessage(), e);
        }

        AccessTokens tokens =
                config.oauth().enabled() ? new AccessTokens(config.oauth(), new Organizations(metadata)) : null;
        TlsMaterial tls = TlsMaterial.loadOrCreate(
                config.server().tlsDir(), config.server().hostNames());
        WebServer server = HttpsServer.start(
                new HttpsServer.Settings(
                        config.server().host(),
                        config.server().httpsPort(),
                        config.server().httpPort(),
                        tls.toTls(config.server().tlsProfile())),
                routing -> ApiRoutes.routing(
                        routing,
                        new ApiRoutes.Services(
                                keys,
                                apiKeys,
                                audit,
                                crypto,
                                datasets,
                                search,
                                documents,
                                metadata,
                                config.documents(),
                                webhooks,
                                config.webhooks().allowLoopbackHttp(),
                                config.server().limits(),
                                config.oauth(),
                                tokens,
                                config.oauth().browserSignIn() ? new OidcSignIn(config.oauth(), clock) : null,
                                config.oauth().browserSignIn()
                                        ? new BrowserSessions(
                                                config.oauth().sessionIdle(),
                                                config.oauth().sessionAbsolute(),
                                                clock)
                                        : null,
                                config.server().corsOrigins(),
                                new AuditSearch(keyringDb),
                                new Members(metadata),
                                backups)));

        DataKeyReencryption pass = new DataKeyReencryption(
                keys,
                documentStore,
                indexes,
                changeJournal,
                config.backup().enabled() && !config.backup().targets().isEmpty(),
                audit,
                config.reencryption(),
                clock,
                new SystemKeyRetirement(
                        keys,
                        new SystemKeyRetirement.MetadataFile(
                                config.metadataFile()
                                        .resolveSibling(config.metadataFile().getFileName() + ".mv.db"),
                                metadata::fileKeyVersion),
                        apiKeys,
                        audit,
                        config.reencryption(),
                        clock));
        backups.handleRequests(OperatorRequests.KEYS_REENCRYPT, pass::urgent);
        ReencryptionJob reencryption =
                ReencryptionJob.start(pass, keys::state, config.reencryption().interval());
        keys.unseal();
        KeyProbe probe = KeyProbe.start(keys, config.hsm().probeInterval());
        worker.start();
        backups.drillWith(new DrDrill(config, backups, metadata, indexes, audit)::run);
        backups.start();
        Appliance appliance = new Appliance(
                keyringDb, keys, probe, server, indexes, worker, purge, reencryption, model, dispatcher, backups);
        LOG.info(() -> "Strongroom is listening on " + appliance.url() + " (" + keys.state() + ")");
        return appliance;
    }

    private static EmbeddingModel embeddingModel(StrongroomConfig.Embedding e) {
        if (e.provider().equals("openai-compatible")) {
            return new HttpEmbeddingModel(
                    e.baseUrl(), e.model(), e.dimensions(), e.apiKeyFile(), e.timeout(), e.batchSize());
        }
        return new DedicatedThreadEmbeddingModel(MiniLmEmbeddingModel.load(e.batchSize(), e.threads()));
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
        backups.close();
        purge.close();
        reencryption.close();
        try {
            dispatcher.close();
            worker.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        keys.close(); // seals: indexes commit and close, caches are wiped
        indexes.close();
        model.close();
        keyringDb.close();
        LOG.info("Strongroom stopped");
    }
}
