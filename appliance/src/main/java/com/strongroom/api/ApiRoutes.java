package com.strongroom.api;

import com.strongroom.audit.AuditLog;
import com.strongroom.auth.ApiKeys;
import com.strongroom.crypto.Fips;
import com.strongroom.datasets.DatasetService;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealState;
import com.strongroom.keys.SealedException;
import com.strongroom.search.DatasetSearch;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The HTTP surface. Tests call {@link #routing} too, so they exercise the real routes. */
public final class ApiRoutes {
    private static final Logger LOG = Logger.getLogger(ApiRoutes.class.getName());

    public record Services(
            KeyManager keys,
            ApiKeys apiKeys,
            AuditLog audit,
            Fips.NativeStatus crypto,
            DatasetService datasets,
            DatasetSearch search) {}

    private ApiRoutes() {}

    public static void routing(HttpRouting.Builder routing, Services s) {
        Authenticator auth = new Authenticator(s.apiKeys());
        routing.addFilter(new RequestIds())
                .addFilter((chain, req, res) -> {
                    // Data endpoints answer 503 while sealed, before any handler touches data.
                    if (req.path().path().startsWith("/v1/") && s.keys().state() != SealState.UNSEALED) {
                        Json.error(
                                res,
                                Status.SERVICE_UNAVAILABLE_503,
                                "sealed",
                                ApiException.sealed().getMessage(),
                                null);
                        return;
                    }
                    chain.proceed();
                })
                .register("/health", new HealthService(s.keys()))
                .register("/v1/system/keys", new SystemKeysService(s.keys(), auth, s.audit(), s.crypto()))
                .error(
                        ApiException.class,
                        (req, res, e) -> Json.error(res, e.status(), e.code(), e.getMessage(), e.details()))
                .error(
                        SealedException.class,
                        (req, res, e) -> Json.error(
                                res,
                                Status.SERVICE_UNAVAILABLE_503,
                                "sealed",
                                ApiException.sealed().getMessage(),
                                null))
                .error(Exception.class, (req, res, e) -> internalError(res, e));
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
