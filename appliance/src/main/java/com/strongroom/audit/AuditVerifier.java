package com.strongroom.audit;

import com.strongroom.keys.KeyDestroyedException;
import com.strongroom.store.H2Database;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/** Walks the whole chain and reports the first entry that does not hold. */
public final class AuditVerifier {
    private final H2Database db;
    private final AuditKeys keys;

    public AuditVerifier(H2Database db, AuditKeys keys) {
        this.db = db;
        this.keys = keys;
    }

    /** {@code firstBadSeq} is 0 when the chain is intact. */
    public record Result(long verified, long pending, long firstBadSeq, String problem) {
        public boolean intact() {
            return firstBadSeq == 0;
        }
    }

    private static final class Walk {
        long expectedSeq = 1;
        byte[] previousMac = new byte[32];
        long verified;
        long pending;
        long firstPendingSeq;
        long badSeq;
        String problem;
        final Map<Integer, byte[]> keyCache = new HashMap<>();

        void fail(long seq, String why) {
            if (badSeq == 0) {
                badSeq = seq;
                problem = why;
            }
        }
    }

    public Result verify() throws SQLException {
        Walk walk = new Walk();
        AuditStore.Head head;
        try (Connection c = db.connection()) {
            head = AuditStore.readHead(c);
            AuditStore.scan(c, 0, record -> check(walk, record));
        }
        if (walk.badSeq == 0) {
            long lastChained = walk.expectedSeq - 1 - walk.pending;
            if (head == null) {
                walk.fail(Math.max(1, lastChained), "the chain head record is missing");
            } else if (head.seq() != lastChained || !MessageDigest.isEqual(head.mac(), walk.previousMac)) {
                walk.fail(
                        Math.max(1, Math.min(head.seq(), lastChained + 1)),
                        "the log ends at entry " + lastChained + " but the chain head records entry " + head.seq()
                                + ": entries were removed or added at the end");
            }
        }
        return new Result(walk.verified, walk.pending, walk.badSeq, walk.problem);
    }

    private void check(Walk walk, AuditRecord record) {
        if (walk.badSeq != 0) {
            return;
        }
        if (record.seq() != walk.expectedSeq) {
            walk.fail(
                    walk.expectedSeq,
                    record.seq() > walk.expectedSeq
                            ? "entry " + walk.expectedSeq + " is missing (next entry is " + record.seq() + ")"
                            : "entry " + record.seq() + " is out of sequence");
            return;
        }
        walk.expectedSeq++;
        if (record.pending()) {
            if (walk.pending++ == 0) {
                walk.firstPendingSeq = record.seq();
            }
            return;
        }
        if (walk.pending > 0) {
            // Only a tail of entries written while sealed may lack a MAC; one in the middle was forged.
            walk.fail(walk.firstPendingSeq, "entry has no MAC but later entries do: it was inserted or stripped");
            return;
        }
        if (record.keyVersion() == null) {
            walk.fail(record.seq(), "entry has a MAC but no key version");
            return;
        }
        byte[] key;
        try {
            key = walk.keyCache.get(record.keyVersion());
            if (key == null) {
                key = keys.forVersion(record.keyVersion());
                walk.keyCache.put(record.keyVersion(), key);
            }
        } catch (KeyDestroyedException | IllegalArgumentException e) {
            walk.fail(record.seq(), "its chain key (audit v" + record.keyVersion() + ") is not available");
            return;
        }
        byte[] expected = ChainEncoding.mac(key, walk.previousMac, record.seq(), record.event(), record.keyVersion());
        if (!MessageDigest.isEqual(expected, record.mac())) {
            walk.fail(record.seq(), "MAC mismatch: the entry was edited, moved, inserted, or an earlier entry changed");
            return;
        }
        walk.previousMac = record.mac();
        walk.verified++;
    }
}
