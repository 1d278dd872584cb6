package com.strongroom.api;

import com.strongroom.audit.AuditEvent;
import com.strongroom.auth.Principal;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Instant;

/** The audit entry for what a caller did through the API: who, from where, under which request id. */
final class RequestAudit {
    private RequestAudit() {}

    static AuditEvent event(
            ServerRequest req,
            ServerResponse res,
            Principal who,
            String action,
            String target,
            AuditEvent.Outcome outcome,
            String detail) {
        return new AuditEvent(
                Instant.now(),
                who.actorId(),
                who.organizationId(),
                action,
                target,
                Authenticator.source(req),
                outcome,
                RequestIds.of(res),
                detail);
    }

    static AuditEvent success(
            ServerRequest req, ServerResponse res, Principal who, String action, String target, String detail) {
        return event(req, res, who, action, target, AuditEvent.Outcome.SUCCESS, detail);
    }
}
