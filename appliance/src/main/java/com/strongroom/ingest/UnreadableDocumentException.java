package com.strongroom.ingest;

/**
 * The document is of a supported type but cannot be read (HTTP 422, or a {@code failed} document
 * with this message as its reason): encrypted, damaged, a decompression bomb, over a limit, or
 * without text.
 */
public final class UnreadableDocumentException extends DocumentRejectedException {
    public UnreadableDocumentException(String reason) {
        super(reason);
    }

    @Override
    public int status() {
        return 422;
    }

    @Override
    public String code() {
        return "unreadable_document";
    }
}
