package com.strongroom.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.strongroom.keys.DekRecord;
import com.strongroom.keys.DekState;
import com.strongroom.keys.KekRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The keyring's records as a target keeps them, apart from the snapshots: KEK labels with their
 * canaries and every DEK version wrapped by the KEK (destroyed ones without their bytes). A restore
 * always uses the newest, so a key shredded since an old snapshot stays shredded; superseded
 * manifests are deleted after the shred window, and with them the last wrapped copy of a purged
 * dataset's key. Authenticated with the backup key ({@link BackupCrypto#withMac}).
 */
record KeyManifest(Instant createdAt, List<KekRecord> keks, List<DekRecord> deks) {
    private static final ObjectMapper JSON = new ObjectMapper();

    byte[] toJson() {
        ObjectNode root = JSON.createObjectNode().put("format", 1).put("created_at", createdAt.toString());
        ArrayNode k = root.putArray("keks");
        for (KekRecord kek : keks) {
            k.addObject()
                    .put("label", kek.label())
                    .put("active", kek.active())
                    .put("canary", Base64.getEncoder().encodeToString(kek.canary()))
                    .put("created_at", kek.createdAt().toString());
        }
        ArrayNode d = root.putArray("deks");
        for (DekRecord dek : deks) {
            ObjectNode o = d.addObject()
                    .put("purpose", dek.purpose())
                    .put("version", dek.version())
                    .put("state", dek.state().name())
                    .put("kek_label", dek.kekLabel())
                    .put("created_at", dek.createdAt().toString());
            if (dek.state() != DekState.DESTROYED && dek.wrapped() != null) {
                o.put("wrapped", Base64.getEncoder().encodeToString(dek.wrapped()));
            }
            if (dek.destroyedAt() != null) {
                o.put("destroyed_at", dek.destroyedAt().toString());
            }
        }
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    static KeyManifest fromJson(String name, byte[] json) throws CorruptBackupException {
        try {
            JsonNode root = JSON.readTree(json);
            if (root.path("format").asInt() != 1) {
                throw new CorruptBackupException(name, "has an unknown format");
            }
            List<KekRecord> keks = new ArrayList<>();
            for (JsonNode k : root.path("keks")) {
                keks.add(new KekRecord(
                        k.path("label").asText(),
                        k.path("active").asBoolean(),
                        Base64.getDecoder().decode(k.path("canary").asText()),
                        OffsetDateTime.parse(k.path("created_at").asText())));
            }
            List<DekRecord> deks = new ArrayList<>();
            for (JsonNode d : root.path("deks")) {
                deks.add(new DekRecord(
                        d.path("purpose").asText(),
                        d.path("version").asInt(),
                        DekState.valueOf(d.path("state").asText()),
                        d.path("kek_label").isNull()
                                ? null
                                : d.path("kek_label").asText(null),
                        d.has("wrapped")
                                ? Base64.getDecoder().decode(d.path("wrapped").asText())
                                : null,
                        OffsetDateTime.parse(d.path("created_at").asText()),
                        d.has("destroyed_at")
                                ? OffsetDateTime.parse(d.path("destroyed_at").asText())
                                : null));
            }
            return new KeyManifest(Instant.parse(root.path("created_at").asText()), keks, deks);
        } catch (IOException | RuntimeException e) {
            throw new CorruptBackupException(name, "is not a readable key manifest");
        }
    }

    /** Equal content, ignoring when it was written: whether a new manifest is needed. */
    boolean sameKeysAs(KeyManifest other) {
        return other != null && Arrays.equals(strip(this), strip(other));
    }

    private static byte[] strip(KeyManifest m) {
        return new KeyManifest(Instant.EPOCH, m.keks, m.deks).toJson();
    }
}
