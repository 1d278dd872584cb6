package com.strongroom.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.store.H2Database;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HexFormat;

/** JSON Lines for a SIEM: one entry a line, with its chain MAC so the SIEM can keep the proof. */
public final class AuditExporter {
    private final H2Database db;

    public AuditExporter(H2Database db) {
        this.db = db;
    }

    public long export(OutputStream out) throws SQLException, IOException {
        ObjectMapper json = new ObjectMapper();
        JsonGenerator gen = json.getFactory().createGenerator(out);
        gen.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
        long[] count = {0};
        try (Connection c = db.connection()) {
            AuditStore.scan(c, 0, r -> {
                try {
                    write(gen, r);
                    gen.writeRaw('\n');
                    count[0]++;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        gen.flush();
        return count[0];
    }

    static void write(JsonGenerator gen, AuditRecord r) throws IOException {
        AuditEvent e = r.event();
        gen.writeStartObject();
        gen.writeNumberField("seq", r.seq());
        gen.writeStringField("time", e.time().toString());
        gen.writeStringField("actor", e.actor());
        gen.writeStringField("organization", e.organization());
        gen.writeStringField("action", e.action());
        gen.writeStringField("target", e.target());
        gen.writeStringField("source", e.source());
        gen.writeStringField("outcome", e.outcome().name().toLowerCase(java.util.Locale.ROOT));
        gen.writeStringField("request_id", e.requestId());
        gen.writeStringField("detail", e.detail());
        if (r.keyVersion() == null) {
            gen.writeNullField("key_version");
        } else {
            gen.writeNumberField("key_version", r.keyVersion());
        }
        gen.writeStringField("mac", r.mac() == null ? null : HexFormat.of().formatHex(r.mac()));
        gen.writeEndObject();
    }
}
