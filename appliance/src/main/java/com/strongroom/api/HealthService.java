package com.strongroom.api;

import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealState;
import com.strongroom.search.DatasetSearch;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Liveness is the process; readiness is "unsealed": a sealed appliance must get no traffic. A
 * dataset whose index cannot be read does not make the appliance unready (every other dataset
 * serves), but is listed in the details, by id only: this endpoint is unauthenticated.
 */
final class HealthService implements HttpService {
    private final KeyManager keys;
    private final DatasetSearch search;

    HealthService(KeyManager keys, DatasetSearch search) {
        this.keys = keys;
        this.search = search;
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
        List<Map<String, String>> failed = new TreeSet<>(
                        search.unreadableDatasets().keySet())
                .stream()
                        .map(id -> Map.of("dataset_id", id, "status", "failed", "error", "dataset_unreadable"))
                        .toList();
        Json.send(
                res,
                Status.OK_200,
                Map.of("status", "ready", "state", keys.state().name(), "details", Map.of("failed_datasets", failed)));
    }
}
