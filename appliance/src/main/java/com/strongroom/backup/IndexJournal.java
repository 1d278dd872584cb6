package com.strongroom.backup;

import com.strongroom.crypto.DecryptionFailedException;
import com.strongroom.crypto.SealedBlob;
import com.strongroom.keys.KeyDestroyedException;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.VersionedKey;
import com.strongroom.search.ChunkRecord;
import com.strongroom.search.IndexChangeLog;
import com.strongroom.store.ChangeJournal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Journals index changes sealed under the dataset's own key, not the backup key: purging the
 * dataset shreds its chunks and vectors in every journal copy too. Payload: key version (int),
 * then {@link SealedBlob} bound to the dataset id.
 */
public final class IndexJournal implements IndexChangeLog {
    static final String LABEL = "strongroom/journal-index/v1";

    private final ChangeJournal journal;
    private final KeyManager keys;
    /** Last position read: a safe answer when the database is closing under a final commit. */
    private final AtomicLong lastPosition = new AtomicLong();

    public IndexJournal(ChangeJournal journal, KeyManager keys) {
        this.journal = journal;
        this.keys = keys;
    }

    @Override
    public void replaced(String datasetId, String documentId, List<ChunkRecord> chunks) throws IOException {
        append(datasetId, new IndexChange(IndexChange.REPLACE, documentId, chunks));
    }

    @Override
    public void deleted(String datasetId, String documentId) throws IOException {
        append(datasetId, new IndexChange(IndexChange.DELETE, documentId, List.of()));
    }

    private void append(String datasetId, IndexChange change) throws IOException {
        VersionedKey key = keys.primary("dataset:" + datasetId);
        byte[] sealed = SealedBlob.seal(key.key(), LABEL, datasetId, change.encode());
        byte[] payload = ByteBuffer.allocate(4 + sealed.length)
                .putInt(key.version())
                .put(sealed)
                .array();
        try {
            journal.appendIndex(datasetId, payload);
        } catch (SQLException e) {
            throw new IOException("the change journal is unavailable: " + e.getMessage(), e);
        }
    }

    @Override
    public long position() {
        try {
            long p = journal.position();
            lastPosition.accumulateAndGet(p, Math::max);
            return p;
        } catch (SQLException | RuntimeException e) {
            return lastPosition.get();
        }
    }

    /** Opens a journaled index change with the dataset's key; throws if that key was shredded. */
    static IndexChange open(KeyManager keys, String datasetId, byte[] payload)
            throws KeyDestroyedException, DecryptionFailedException, IOException {
        if (payload.length < 4) {
            throw new DecryptionFailedException();
        }
        int version = ByteBuffer.wrap(payload, 0, 4).getInt();
        byte[] plain = SealedBlob.open(
                keys.key("dataset:" + datasetId, version),
                LABEL,
                datasetId,
                Arrays.copyOfRange(payload, 4, payload.length));
        return IndexChange.decode(plain);
    }
}
