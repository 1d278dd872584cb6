package com.strongroom.keys;

/**
 * The HSM could not do what was asked. {@link Reason} lets callers decide between "seal and wait"
 * and "tell the operator"; the message is safe to log (no PIN, no key material).
 */
public final class HsmException extends Exception {
    public enum Reason {
        MODULE_UNAVAILABLE,
        TOKEN_NOT_FOUND,
        PIN_UNAVAILABLE,
        PIN_INCORRECT,
        KEK_NOT_FOUND,
        KEK_NOT_USABLE,
        KEK_ALREADY_EXISTS,
        UNWRAP_FAILED,
        TOKEN_ERROR
    }

    private final Reason reason;

    public HsmException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public HsmException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
