package com.strongroom.search;

import java.io.IOException;
import java.util.List;

/**
 * Told of every change to a dataset's index right after the index took it, so that a journal can
 * replay it later without running the embedding model again. {@link #position()} is what each
 * commit records: every change the log numbered at or below it is in that commit.
 */
public interface IndexChangeLog {
    IndexChangeLog NONE = new IndexChangeLog() {
        @Override
        public void replaced(String datasetId, String documentId, List<ChunkRecord> chunks) {}

        @Override
        public void deleted(String datasetId, String documentId) {}

        @Override
        public long position() {
            return 0;
        }
    };

    void replaced(String datasetId, String documentId, List<ChunkRecord> chunks) throws IOException;

    void deleted(String datasetId, String documentId) throws IOException;

    long position() throws IOException;
}
