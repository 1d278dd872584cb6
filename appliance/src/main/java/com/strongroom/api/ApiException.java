package com.strongroom.api;

import io.helidon.http.Status;

/** An error with the status and code the client sees; the message must be safe to show. */
public final class ApiException extends RuntimeException {
    private final Status status;
    private final String code;

    public ApiException(Status status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
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
