package dev.herald.testing;

import com.pusher.rest.data.Result;

/** Checks on pusher-http-java's answers, shared by the compat and cluster tests. */
public final class Results {

    private Results() {}

    /** Fails with the server's answer unless the call succeeded. */
    public static Result ok(Result result) {
        if (result.getStatus() != Result.Status.SUCCESS) {
            throw new AssertionError(
                    "expected SUCCESS, got "
                            + result.getStatus()
                            + " "
                            + result.getHttpStatus()
                            + ": "
                            + result.getMessage());
        }
        return result;
    }
}
