package com.strongroom.ingest;

/** The document is larger than the upload limit (HTTP 413). */
public final class DocumentTooLargeException extends DocumentRejectedException {
    private final long maxBytes;

    public DocumentTooLargeException(long size, long maxBytes) {
        super("The document has " + size + " bytes; the limit is " + maxBytes + " bytes.");
        this.maxBytes = maxBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }

    @Override
    public int status() {
        return 413;
    }

    @Override
    public String code() {
        return "payload_too_large";
    }
}
