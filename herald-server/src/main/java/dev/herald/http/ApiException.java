package dev.herald.http;

/** A refused HTTP API request: the status and the reason shown to the developer. */
public final class ApiException extends Exception {

    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }
}
