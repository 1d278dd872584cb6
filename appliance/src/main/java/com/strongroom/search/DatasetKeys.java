package com.strongroom.search;

import com.strongroom.crypto.SecretKeyBytes;
import com.strongroom.index.IndexKeys;
import com.strongroom.keys.KeyDestroyedException;
import com.strongroom.keys.KeyManager;
import com.strongroom.keys.SealedException;
import java.io.IOException;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.store.AlreadyClosedException;

/** A dataset's DEK versions, read from the key manager under purpose {@code dataset:<id>}. */
final class DatasetKeys implements IndexKeys {
    private final KeyManager keys;
    private final String purpose;

    DatasetKeys(KeyManager keys, String datasetId) {
        this.keys = keys;
        this.purpose = purpose(datasetId);
    }

    static String purpose(String datasetId) {
        return "dataset:" + datasetId;
    }

    @Override
    public int writeVersion() {
        try {
            return keys.primary(purpose).version();
        } catch (SealedException e) {
            throw new AlreadyClosedException("sealed: no key to write index files of " + purpose, e);
        }
    }

    @Override
    public SecretKeyBytes key(int version) throws IOException {
        try {
            return keys.key(purpose, version);
        } catch (KeyDestroyedException e) {
            throw new AlreadyClosedException(purpose + " key version " + version + " was shredded", e);
        } catch (SealedException e) {
            throw new AlreadyClosedException("sealed: no key to read index files of " + purpose, e);
        } catch (IllegalArgumentException e) {
            throw new CorruptIndexException(
                    "written with key version " + version + " of " + purpose + ", which the keyring does not hold",
                    purpose);
        }
    }
}
