package com.strongroom.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.keys.KeyManager;
import com.strongroom.keys.Keyring;
import com.strongroom.store.H2Database;
import com.strongroom.testing.LabHsm;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HMAC chain under an HSM-protected key detects every kind of edit to stored entries. */
class AuditChainTest {
    @TempDir
    Path dir;

    private H2Database db;
    private KeyManager keys;
    private ChainedAuditLog audit;
    private AuditVerifier verifier;

    @BeforeEach
    void setUp() throws Exception {
        LabHsm.Token token = LabHsm.newToken(dir.resolve("hsm"));
        LabHsm.createKek(token, "kek");
        db = H2Database.open(dir.resolve("keyring/keyring"), "db/keyring", false, null);
        keys = KeyManager.create(new Keyring(db), token.settings());
        keys.initialize("kek", false);
        AuditKeys auditKeys = new AuditKeys(keys);
        audit = new ChainedAuditLog(db, auditKeys);
        keys.addListener(audit);
        keys.addListener(new SealAuditor(audit));
        assertTrue(keys.unseal());
        verifier = new AuditVerifier(db, auditKeys);
        for (int i = 1; i <= 5; i++) {
            audit.record(new AuditEvent(
                    Instant.now(),
                    "key_" + i,
                    "org_a",
                    "dataset.create",
                    "ds_" + i,
                    "10.0.0." + i,
                    AuditEvent.Outcome.SUCCESS,
                    "req_" + i,
                    null));
        }
    }

    @AfterEach
    void tearDown() {
        keys.close();
        db.close();
    }

    private void sql(String statement) throws Exception {
        try (Connection c = db.connection();
                Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    @Test
    void intactLog_verifies() throws Exception {
        AuditVerifier.Result result = verifier.verify();
        assertTrue(result.intact(), result.problem());
        assertEquals(6, result.verified(), "unseal + 5 entries");
    }

    @Test
    void editedEntry_isNamed() throws Exception {
        sql("UPDATE audit_log SET target = 'ds_other' WHERE seq = 3");
        AuditVerifier.Result result = verifier.verify();
        assertFalse(result.intact());
        assertEquals(3, result.firstBadSeq());
    }

    @Test
    void deletedEntry_isNamed() throws Exception {
        sql("DELETE FROM audit_log WHERE seq = 4");
        AuditVerifier.Result result = verifier.verify();
        assertEquals(4, result.firstBadSeq(), result.problem());
    }

    @Test
    void insertedEntry_isDetected() throws Exception {
        sql("UPDATE audit_log SET seq = seq + 1 WHERE seq >= 3 ORDER BY seq DESC");
        sql(
                "INSERT INTO audit_log (seq, ts, actor, action, outcome) VALUES (3, CURRENT_TIMESTAMP, 'mallory', 'x', 'SUCCESS')");
        AuditVerifier.Result result = verifier.verify();
        assertEquals(3, result.firstBadSeq(), result.problem());
    }

    @Test
    void reorderedEntries_areDetected() throws Exception {
        sql("UPDATE audit_log SET seq = -1 WHERE seq = 2");
        sql("UPDATE audit_log SET seq = 2 WHERE seq = 3");
        sql("UPDATE audit_log SET seq = 3 WHERE seq = -1");
        AuditVerifier.Result result = verifier.verify();
        assertEquals(2, result.firstBadSeq(), result.problem());
    }

    @Test
    void truncatedTail_isDetected() throws Exception {
        sql("DELETE FROM audit_log WHERE seq = 6");
        AuditVerifier.Result result = verifier.verify();
        assertFalse(result.intact());
        assertTrue(result.problem().contains("chain head"), result.problem());
    }

    @Test
    void entriesWrittenWhileSealed_areChainedAtUnseal() throws Exception {
        keys.seal("test");
        audit.record(AuditEvent.system("keys.rotate-dek", "backup", AuditEvent.Outcome.FAILURE, "sealed"));
        assertTrue(keys.unseal());
        AuditVerifier.Result result = verifier.verify();
        assertTrue(result.intact(), result.problem());
        assertEquals(0, result.pending());
        assertEquals(9, result.verified(), "6 + seal + pending entry + unseal");
    }

    @Test
    void export_writesOneJsonLinePerEntry() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = new AuditExporter(db).export(out);
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(6, n);
        assertEquals(6, lines.length);
        assertTrue(lines[1].contains("\"action\":\"dataset.create\""), lines[1]);
        assertTrue(lines[1].contains("\"mac\":\""), lines[1]);
    }
}
