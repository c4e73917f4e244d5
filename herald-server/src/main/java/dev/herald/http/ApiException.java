package dev.herald.http;

/** A refused HTTP API request: the status and the reason shown to the developer. */
final class ApiException extends Exception {

    private final int status;

    ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }
}
