package com.strongroom.embedding;

/** A model could not embed a batch; the message is safe to show (no secrets, no input text). */
public class EmbeddingException extends RuntimeException {

    public EmbeddingException(String message) {
        super(message);
    }

    public EmbeddingException(String message, Throwable cause) {
        super(message, cause);
    }
}
