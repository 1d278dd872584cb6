package com.strongroom.ingest;

/** The document is of a type ingestion does not read (HTTP 415); the message lists the accepted types. */
public final class UnsupportedDocumentTypeException extends DocumentRejectedException {
    public UnsupportedDocumentTypeException(String what) {
        super(what + ". Accepted types: " + DocumentType.acceptedList() + ".");
    }

    @Override
    public int status() {
        return 415;
    }

    @Override
    public String code() {
        return "unsupported_media_type";
    }
}
