package com.strongroom.ingest;

import com.strongroom.embedding.EmbeddingException;
import com.strongroom.keys.HsmException;
import com.strongroom.keys.SealedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.RejectedExecutionException;
import org.apache.lucene.store.AlreadyClosedException;

/**
 * The one place that tells a fault of the appliance or its surroundings, after which the same
 * document is tried again later, from everything else. A bad document is a {@link
 * DocumentRejectedException} (it fails for good, with its reason) and is never asked about here.
 */
public final class IngestFaults {
    private IngestFaults() {}

    /**
     * True when trying again later may succeed without anyone changing the document: the
     * embedding provider is unreachable, slow or answering 429/5xx, the appliance is sealed (the
     * HSM or its key-encryption key is gone), an index is closed or its files fail, or the worker
     * is being stopped.
     */
    public static boolean isTransient(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DocumentRejectedException) {
                return false;
            }
            if (t instanceof EmbeddingException ee && ee.isTransient()) {
                return true;
            }
            if (t instanceof SealedException
                    || t instanceof HsmException
                    || t instanceof AlreadyClosedException
                    || t instanceof IOException
                    || t instanceof UncheckedIOException
                    || t instanceof InterruptedException
                    || t instanceof RejectedExecutionException) {
                return true;
            }
        }
        return false;
    }
}
