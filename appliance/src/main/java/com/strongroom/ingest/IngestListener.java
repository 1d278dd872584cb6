package com.strongroom.ingest;

import com.strongroom.documents.Document;

/** Told when the worker finishes a document (for webhooks); must not throw or block for long. */
public interface IngestListener {
    void processed(Document document, int chunks);

    void failed(Document document, String reason);
}
