package com.strongroom.embedding;

/**
 * A model could not embed a batch; the message is safe to show (no secrets, no input text).
 * {@link #isTransient()} says whether trying the same batch later may succeed (the provider was
 * unreachable, slow, overloaded or failing with 5xx) or not (it answered something wrong).
 */
public class EmbeddingException extends RuntimeException {
    private final boolean transientFault;

    public EmbeddingException(String message) {
        this(message, false);
    }

    public EmbeddingException(String message, boolean transientFault) {
        super(message);
        this.transientFault = transientFault;
    }

    public EmbeddingException(String message, Throwable cause) {
        super(message, cause);
        this.transientFault = false;
    }

    public boolean isTransient() {
        return transientFault;
    }
}
