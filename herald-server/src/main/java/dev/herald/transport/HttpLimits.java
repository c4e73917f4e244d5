package dev.herald.transport;

/**
 * Bounds on every HTTP connection (server port and ops port) until it becomes a WebSocket.
 *
 * @param maxBodyBytes largest request body; a larger one is answered 413 and the connection closed
 * @param requestTimeoutMillis time a client has to send a whole request (headers and body) once it
 *     has connected or started the request, and to complete a WebSocket handshake; past it the
 *     connection is closed (408 when part of a request arrived)
 * @param idleTimeoutMillis time a keep-alive connection may wait for its next request
 */
public record HttpLimits(int maxBodyBytes, long requestTimeoutMillis, long idleTimeoutMillis) {

    /** Longest request line (method, URI, version); a longer one is answered 414. */
    public static final int MAX_REQUEST_LINE_BYTES = 4096;

    /** Largest header block, all fields together; a larger one is answered 431. */
    public static final int MAX_HEADER_BYTES = 8192;

    /**
     * Requests a client may pipeline behind one whose answer is still pending. Reading stops as
     * soon as one waits, so what waits is at most one request body and what the last read brought;
     * past this many the rest are dropped and the connection closes once the waiting ones are
     * answered (clients retry unanswered requests on a new connection).
     */
    public static final int MAX_PIPELINED_REQUESTS = 64;

    public HttpLimits {
        if (maxBodyBytes <= 0 || requestTimeoutMillis <= 0 || idleTimeoutMillis <= 0) {
            throw new IllegalArgumentException(
                    "HTTP limits must be positive: "
                            + maxBodyBytes
                            + " bytes, "
                            + requestTimeoutMillis
                            + " ms, "
                            + idleTimeoutMillis
                            + " ms");
        }
    }
}
