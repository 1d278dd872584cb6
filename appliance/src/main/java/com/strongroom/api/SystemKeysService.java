package com.strongroom.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.strongroom.audit.AuditEvent;
import com.strongroom.audit.AuditLog;
import com.strongroom.auth.Principal;
import com.strongroom.crypto.Fips;
import com.strongroom.keys.DekRecord;
import com.strongroom.keys.HsmException;
import com.strongroom.keys.KekRecord;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.KeyStatus;
import com.strongroom.keys.VersionedKey;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.crypto.CryptoServicesRegistrar;

/** GET /v1/system/keys and POST /v1/system/keys/rotate: owner and admin only, never key material. */
final class SystemKeysService implements HttpService {
    private final KeyManager keys;
    private final AuditLog audit;
    private final Fips.NativeStatus crypto;

    SystemKeysService(KeyManager keys, AuditLog audit, Fips.NativeStatus crypto) {
        this.keys = keys;
        this.audit = audit;
        this.crypto = crypto;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::status).post("/rotate", this::rotate);
    }

    private void status(ServerRequest req, ServerResponse res) throws SQLException {
        AccessControl.caller(req);
        KeyStatus status = keys.status();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("state", status.state().name());
        body.put("token_label", status.tokenLabel());
        body.put("kek_label", status.activeKekLabel());
        body.put("keks", status.keks().stream().map(SystemKeysService::kek).toList());
        body.put(
                "deks",
                status.deks().stream()
                        .map(d -> dek(d, status.usageOf(d).orElse(null)))
                        .toList());
        Map<String, Object> cryptoInfo = new LinkedHashMap<>();
        cryptoInfo.put("provider", Fips.PROVIDER);
        cryptoInfo.put("approved_only", CryptoServicesRegistrar.isInApprovedOnlyMode());
        cryptoInfo.put("native_aes", crypto.nativeAes());
        cryptoInfo.put("variant", crypto.variant());
        body.put("crypto", cryptoInfo);
        Json.send(res, Status.OK_200, body);
    }

    private static Map<String, Object> kek(KekRecord k) {
        return Map.of(
                "label",
                k.label(),
                "state",
                k.active() ? "active" : "retired",
                "created_at",
                k.createdAt().toString());
    }

    private static Map<String, Object> dek(DekRecord d, com.strongroom.keys.DekUsage u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("purpose", d.purpose());
        m.put("version", d.version());
        m.put("state", d.state().name().toLowerCase(java.util.Locale.ROOT));
        m.put("kek_label", d.kekLabel());
        m.put("created_at", d.createdAt().toString());
        m.put("destroyed_at", d.destroyedAt() == null ? null : d.destroyedAt().toString());
        if (u != null) {
            // what the re-encryption pass last found under this version (dataset keys)
            Map<String, Object> in = new LinkedHashMap<>();
            in.put("index_files", u.files());
            in.put("index_bytes", u.fileBytes());
            in.put("originals", u.originals());
            in.put("original_bytes", u.originalBytes());
            in.put("journal_entries", u.journalEntries());
            in.put("api_keys", u.apiKeys());
            in.put("scanned_at", u.scannedAt().toString());
            m.put("in_use", in);
        }
        return m;
    }

    /** Body: {"kek_label": "new-label"} re-wraps under a new KEK; {"dek_purpose": "p"} starts a new DEK version. */
    private void rotate(ServerRequest req, ServerResponse res) throws SQLException {
        Principal who = AccessControl.caller(req);
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(req.content().as(byte[].class));
        } catch (IOException e) {
            throw new ApiException(Status.BAD_REQUEST_400, "invalid_json", "The body is not valid JSON.");
        }
        String kekLabel = body == null ? null : text(body, "kek_label");
        String purpose = body == null ? null : text(body, "dek_purpose");
        if ((kekLabel == null) == (purpose == null)) {
            throw new ApiException(
                    Status.UNPROCESSABLE_CONTENT_422,
                    "validation_error",
                    "Give exactly one of 'kek_label' (rotate the KEK) or 'dek_purpose' (rotate a data key).");
        }
        String action = kekLabel != null ? "keys.rotate-kek" : "keys.rotate-dek";
        String target = kekLabel != null ? "kek:" + kekLabel : "dek:" + purpose;
        try {
            Map<String, Object> result = new LinkedHashMap<>();
            if (kekLabel != null) {
                KeyManager.KekRotation r = keys.rotateKek(kekLabel);
                result.put("kek_label", r.toLabel());
                result.put("previous_kek_label", r.fromLabel());
                result.put("rewrapped_keys", r.rewrappedKeys());
            } else {
                VersionedKey k = keys.rotateDek(purpose);
                result.put("dek_purpose", k.purpose());
                result.put("version", k.version());
            }
            record(req, res, who, action, target, AuditEvent.Outcome.SUCCESS, null);
            Json.send(res, Status.OK_200, result);
        } catch (HsmException | IllegalArgumentException e) {
            record(req, res, who, action, target, AuditEvent.Outcome.FAILURE, e.getMessage());
            throw new ApiException(Status.CONFLICT_409, "rotation_failed", e.getMessage());
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank() || node.asText().length() > 120) {
            throw new ApiException(
                    Status.UNPROCESSABLE_CONTENT_422,
                    "validation_error",
                    "'" + field + "' must be a non-empty string of at most 120 characters.");
        }
        return node.asText();
    }

    private void record(
            ServerRequest req,
            ServerResponse res,
            Principal who,
            String action,
            String target,
            AuditEvent.Outcome outcome,
            String detail) {
        audit.record(RequestAudit.event(req, res, who, action, target, outcome, detail));
    }
}
