package com.strongroom.ingest;

/**
 * A document ingestion refuses, with the HTTP status and error code the API answers. The message
 * is safe to show to the client and to log: it never quotes the document. For the same reason
 * no parser exception is chained as the cause (parsers quote the bytes they choke on).
 */
public abstract sealed class DocumentRejectedException extends RuntimeException
        permits UnsupportedDocumentTypeException, UnreadableDocumentException, DocumentTooLargeException {

    DocumentRejectedException(String message) {
        super(message, null, false, false);
    }

    /** The HTTP status: 413, 415 or 422. */
    public abstract int status();

    /** The {@code error} code of the API's error body. */
    public abstract String code();
}
