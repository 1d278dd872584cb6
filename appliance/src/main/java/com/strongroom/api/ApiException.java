package com.strongroom.api;

import io.helidon.http.Status;

/** An error with the status and code the client sees; the message must be safe to show. */
public final class ApiException extends RuntimeException {
    private final Status status;
    private final String code;
    private final Object details;

    public ApiException(Status status, String code, String message) {
        this(status, code, message, null);
    }

    public ApiException(Status status, String code, String message, Object details) {
        super(message);
        this.status = status;
        this.code = code;
        this.details = details;
    }

    /** Machine-readable specifics, e.g. the list of invalid fields; null when there are none. */
    public Object details() {
        return details;
    }

    public static ApiException notFound(String code, String message) {
        return new ApiException(Status.NOT_FOUND_404, code, message);
    }

    public Status status() {
        return status;
    }

    public String code() {
        return code;
    }

    public static ApiException sealed() {
        return new ApiException(
                Status.SERVICE_UNAVAILABLE_503,
                "sealed",
                "The appliance is sealed: its key-encryption key in the HSM is not reachable.");
    }
}
