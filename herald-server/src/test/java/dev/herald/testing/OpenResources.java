package dev.herald.testing;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test opened (connections, server processes), closed after each test in the reverse of the
 * order it was opened: connections before the server they were made to. Register it with
 * {@code @RegisterExtension final OpenResources open = new OpenResources();}.
 */
public final class OpenResources implements AfterEachCallback {

    private final List<AutoCloseable> open = new ArrayList<>();

    /** Closes {@code resource} after the test; returns it. */
    public <T extends AutoCloseable> T track(T resource) {
        open.add(resource);
        return resource;
    }

    /** Closes everything, newest first; the first failure fails the test once all are closed. */
    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception failure = null;
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        open.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
