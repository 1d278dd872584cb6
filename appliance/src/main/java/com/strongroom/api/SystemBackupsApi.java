package com.strongroom.api;

import com.strongroom.backup.BackupService;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Map;

/** GET /v1/system/backups: the last snapshot, journal lag, each target's state and retention. */
final class SystemBackupsApi implements HttpService {
    private final BackupService backups;

    /** @param backups null when backups are turned off (backup.enabled: false) */
    SystemBackupsApi(BackupService backups) {
        this.backups = backups;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::status);
    }

    private void status(ServerRequest req, ServerResponse res) throws SQLException, IOException {
        AccessControl.caller(req);
        if (backups == null) {
            Json.send(res, Status.OK_200, Map.of("enabled", false, "targets", java.util.List.of()));
            return;
        }
        Json.send(res, Status.OK_200, backups.status());
    }
}
