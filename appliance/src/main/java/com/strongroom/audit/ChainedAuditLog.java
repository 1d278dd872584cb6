package com.strongroom.audit;

import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealListener;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Append-only audit trail in H2 where each entry carries HMAC-SHA256(previous MAC, entry) under
 * a key only the HSM can unwrap: an edited, deleted, inserted or reordered entry breaks the chain.
 * Entries written while sealed (no key) are stored pending and chained, in order, at unseal.
 * Writers in several processes (appliance, CLI) serialise on the head row.
 */
public final class ChainedAuditLog implements AuditLog, SealListener {
    private static final Logger LOG = Logger.getLogger(ChainedAuditLog.class.getName());

    private final AuditStore store;
    private final AuditKeys keys;

    public ChainedAuditLog(com.strongroom.store.H2Database db, AuditKeys keys) {
        this.store = new AuditStore(db);
        this.keys = keys;
    }

    @Override
    public void record(AuditEvent event) {
        Optional<AuditKeys.ChainKey> key = keys.current();
        try (Connection c = store.db().connection()) {
            c.setAutoCommit(false);
            try {
                AuditStore.Head head = AuditStore.lockHead(c);
                long seq = AuditStore.maxSeq(c) + 1;
                if (key.isPresent()) {
                    head = chainPending(c, head, key.get());
                    byte[] mac = ChainEncoding.mac(
                            key.get().key(), head.mac(), seq, event, key.get().version());
                    AuditStore.insert(c, seq, event, key.get().version(), mac);
                    AuditStore.updateHead(c, seq, mac);
                } else {
                    AuditStore.insert(c, seq, event, null, null);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            LOG.log(Level.SEVERE, "audit entry could not be written: " + event.action(), e);
            throw new IllegalStateException("audit log unavailable: " + e.getMessage(), e);
        }
    }

    private static AuditStore.Head chainPending(Connection c, AuditStore.Head head, AuditKeys.ChainKey key)
            throws SQLException {
        List<AuditRecord> pending = new ArrayList<>();
        AuditStore.scan(c, head.seq(), pending::add);
        AuditStore.Head current = head;
        for (AuditRecord record : pending) {
            if (!record.pending()) {
                throw new SQLException("audit entry " + record.seq() + " is chained but after the head: the log has "
                        + "been tampered with; run `audit verify`");
            }
            byte[] mac = ChainEncoding.mac(key.key(), current.mac(), record.seq(), record.event(), key.version());
            AuditStore.chain(c, record.seq(), key.version(), mac);
            current = new AuditStore.Head(record.seq(), mac);
        }
        if (current != head) {
            AuditStore.updateHead(c, current.seq(), current.mac());
        }
        return current;
    }

    /** Entries that waited while sealed join the chain as soon as the key is back. */
    @Override
    public void afterUnseal(KeyManager keyManager) {
        Optional<AuditKeys.ChainKey> key = keys.current();
        if (key.isEmpty()) {
            return;
        }
        try (Connection c = store.db().connection()) {
            c.setAutoCommit(false);
            try {
                chainPending(c, AuditStore.lockHead(c), key.get());
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            LOG.log(Level.SEVERE, "pending audit entries could not be chained: " + e.getMessage());
        }
    }
}
