package com.strongroom.api;

import com.strongroom.audit.AuditLog;
import com.strongroom.audit.AuditSearch;
import com.strongroom.auth.AccessTokens;
import com.strongroom.auth.ApiKeys;
import com.strongroom.auth.BrowserSessions;
import com.strongroom.auth.Members;
import com.strongroom.auth.OidcSignIn;
import com.strongroom.config.StrongroomConfig;
import com.strongroom.crypto.Fips;
import com.strongroom.datasets.DatasetService;
import com.strongroom.datasets.DuplicateNameException;
import com.strongroom.documents.DocumentService;
import com.strongroom.embedding.EmbeddingException;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealState;
import com.strongroom.keys.SealedException;
import com.strongroom.mcp.McpServer;
import com.strongroom.mcp.McpSessions;
import com.strongroom.mcp.McpTools;
import com.strongroom.search.DatasetSearch;
import com.strongroom.search.InvalidSearchException;
import com.strongroom.search.UnknownDatasetException;
import com.strongroom.store.MetadataStore;
import com.strongroom.ui.UiService;
import com.strongroom.webhooks.Webhooks;
import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.lucene.store.AlreadyClosedException;

/** The HTTP surface. Tests call {@link #routing} too, so they exercise the real routes. */
public final class ApiRoutes {
    private static final Logger LOG = Logger.getLogger(ApiRoutes.class.getName());

    public record Services(
            KeyManager keys,
            ApiKeys apiKeys,
            AuditLog audit,
            Fips.NativeStatus crypto,
            DatasetService datasets,
            DatasetSearch search,
            DocumentService documents,
            MetadataStore metadata,
            StrongroomConfig.Documents documentLimits,
            Webhooks webhooks,
            boolean allowLoopbackWebhooks,
            StrongroomConfig.RateLimits limits,
            StrongroomConfig.OAuth oauth,
            AccessTokens tokens,
            OidcSignIn signIn,
            BrowserSessions sessions,
            List<String> corsOrigins,
            AuditSearch auditSearch,
            Members members,
            com.strongroom.backup.BackupService backups) {}

    private ApiRoutes() {}

    public static void routing(HttpRouting.Builder routing, Services s) {
        Authenticator auth = new Authenticator(s.apiKeys(), s.tokens());
        StrongroomConfig.RateLimits limits = s.limits();
        AuthFailures authFailures =
                new AuthFailures(limits.authFailures(), limits.authFailureWindow(), limits.authBlock());
        IdempotencyKeys idempotency = new IdempotencyKeys(s.metadata());
        routing.addFilter(new RequestIds())
                .addFilter(new SecurityHeaders())
                .addFilter(new Cors(s.corsOrigins()))
                .addFilter(new RateLimits(
                        limits.perKeyPerHour(),
                        s.oauth().ratePerHour(),
                        limits.perAddressPerHour(),
                        s.oauth().signInPerAddressPerHour(),
                        authFailures))
                .addFilter((chain, req, res) -> {
                    // Data endpoints answer 503 while sealed, before any handler touches data.
                    if (req.path().path().startsWith("/v1/") && s.keys().state() != SealState.UNSEALED) {
                        sealed(res);
                        return;
                    }
                    chain.proceed();
                })
                .addFilter(new AccessControl(auth, authFailures, s.audit(), s.sessions()))
                .register("/health", new HealthService(s.keys(), s.search()))
                .register("/auth", new SignInApi(s.signIn(), s.tokens(), s.sessions(), s.audit(), s.members()))
                .register("/", new UiService())
                .register("/v1/openapi.json", new OpenApiService())
                .register("/v1/system/keys", new SystemKeysService(s.keys(), s.audit(), s.crypto()))
                .register("/v1/system/backups", new SystemBackupsApi(s.backups()))
                .register(
                        "/v1/datasets",
                        new DatasetsApi(s.datasets(), s.search(), s.audit(), idempotency, s.webhooks()),
                        new DocumentsApi(
                                s.datasets(),
                                s.documents(),
                                s.audit(),
                                idempotency,
                                s.documentLimits().maxBytes(),
                                new UploadBudget(s.documentLimits().uploadBytesInFlight()),
                                s.search().defaultSpec().model(),
                                s.webhooks()))
                .register("/v1/webhooks", new WebhooksApi(s.webhooks(), s.audit(), s.allowLoopbackWebhooks()))
                .register("/v1/api-keys", new ApiKeysApi(s.apiKeys(), s.audit(), idempotency))
                .register("/v1/audit", new AuditApi(s.auditSearch(), s.audit()))
                .register("/v1/members", new MembersApi(s.members()))
                .register(
                        "/v1/mcp",
                        new McpApi(
                                new McpServer(
                                        new McpTools(s.datasets(), s.search()), new McpSessions(Clock.systemUTC())),
                                s.datasets(),
                                s.search(),
                                s.corsOrigins()))
                .error(
                        ApiException.class,
                        (req, res, e) -> Json.error(res, e.status(), e.code(), e.getMessage(), e.details()))
                .error(SealedException.class, (req, res, e) -> sealed(res))
                .error(
                        InvalidSearchException.class,
                        (req, res, e) -> Json.error(
                                res,
                                Status.UNPROCESSABLE_CONTENT_422,
                                e.code(),
                                e.getMessage(),
                                e.field() == null
                                        ? null
                                        : List.of(Map.of("field", e.field(), "message", e.getMessage()))))
                .error(
                        com.strongroom.datasets.QuotaExceededException.class,
                        (req, res, e) -> Json.error(
                                res,
                                Status.CONFLICT_409,
                                "quota_exceeded",
                                e.getMessage(),
                                Map.of("quota", e.quota(), "limit", e.limit())))
                .error(
                        DuplicateNameException.class,
                        (req, res, e) -> Json.error(
                                res,
                                Status.CONFLICT_409,
                                "dataset_name_taken",
                                e.getMessage() + ".",
                                List.of(Map.of("field", "name", "message", e.getMessage() + "."))))
                .error(
                        com.strongroom.search.DatasetUnreadableException.class,
                        (req, res, e) -> Json.error(
                                res,
                                Status.INTERNAL_SERVER_ERROR_500,
                                "dataset_unreadable",
                                e.getMessage(),
                                Map.of("dataset_id", e.datasetId())))
                .error(
                        UnknownDatasetException.class,
                        (req, res, e) ->
                                Json.error(res, Status.NOT_FOUND_404, "dataset_not_found", e.getMessage() + ".", null))
                .error(
                        EmbeddingException.class,
                        (req, res, e) -> Json.error(
                                res, Status.SERVICE_UNAVAILABLE_503, "embedding_unavailable", e.getMessage(), null))
                .error(AlreadyClosedException.class, (req, res, e) -> {
                    // an index closed under a request because the appliance sealed meanwhile
                    if (s.keys().state() != SealState.UNSEALED) {
                        sealed(res);
                    } else {
                        internalError(res, e);
                    }
                })
                .error(HttpException.class, (req, res, e) -> {
                    // Helidon's own refusals: no such route (404), wrong method (405), bad framing (400)
                    int code = e.status().code();
                    Json.error(
                            res,
                            e.status(),
                            code == 404 ? "not_found" : code == 405 ? "method_not_allowed" : "bad_request",
                            code == 404 ? "No such endpoint." : e.status().reasonPhrase() + ".",
                            null);
                })
                .error(Exception.class, (req, res, e) -> internalError(res, e));
    }

    private static void sealed(ServerResponse res) {
        Json.error(
                res,
                Status.SERVICE_UNAVAILABLE_503,
                "sealed",
                ApiException.sealed().getMessage(),
                null);
    }

    private static void internalError(ServerResponse res, Exception e) {
        String requestId = RequestIds.of(res);
        LOG.log(Level.SEVERE, "request " + requestId + " failed", e);
        Json.error(
                res,
                Status.INTERNAL_SERVER_ERROR_500,
                "internal_error",
                "Something went wrong on our side; quote the request id to your administrator.",
                null);
    }
}
