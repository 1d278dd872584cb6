package com.strongroom.api;

import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealState;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Map;

/** Liveness is the process; readiness is "unsealed": a sealed appliance must get no traffic. */
final class HealthService implements HttpService {
    private final KeyManager keys;

    HealthService(KeyManager keys) {
        this.keys = keys;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/live", this::live).get("/ready", this::ready);
    }

    private void live(ServerRequest req, ServerResponse res) {
        Json.send(res, Status.OK_200, Map.of("status", "up"));
    }

    private void ready(ServerRequest req, ServerResponse res) {
        if (keys.state() != SealState.UNSEALED) {
            throw ApiException.sealed();
        }
        Json.send(
                res,
                Status.OK_200,
                Map.of("status", "ready", "state", keys.state().name()));
    }
}
