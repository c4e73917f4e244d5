package dev.herald.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

/**
 * The official node {@code pusher} SDK, in a Node process of the test project ({@code
 * src/test/node/external/trigger.js}), triggering on request: for tests that must show the node
 * SDK's own requests reaching Herald. Started warm (one trigger made), so what a test times is one
 * request.
 */
public final class NodeSdk implements AutoCloseable {

    private static final Path NODE_PROJECT =
            Paths.get(System.getProperty("basedir", ".")).toAbsolutePath().resolve("src/test/node");

    private final Process node;
    private final BufferedReader out;
    private final OutputStream in;

    private NodeSdk(Process node) {
        this.node = node;
        this.out =
                new BufferedReader(
                        new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
        this.in = node.getOutputStream();
    }

    /** Starts the SDK for the app and warms it up with one trigger to {@code warmChannel}. */
    public static NodeSdk start(int port, TestApp app, String warmChannel) {
        ProcessBuilder builder =
                new ProcessBuilder("node", "external/trigger.js")
                        .directory(NODE_PROJECT.toFile())
                        .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().keySet().removeIf(key -> key.startsWith("HERALD_"));
        builder.environment()
                .putAll(
                        Map.of(
                                "HERALD_PORT", Integer.toString(port),
                                "HERALD_APP_ID", app.id(),
                                "HERALD_APP_KEY", app.key(),
                                "HERALD_APP_SECRET", app.secret(),
                                "WARM_CHANNEL", warmChannel));
        try {
            NodeSdk sdk = new NodeSdk(builder.start());
            sdk.expect("ready 200");
            return sdk;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Triggers one event and returns once the server has answered 200. */
    public void trigger(String channel, String event, Object data) {
        try {
            in.write(
                    (Json.MAPPER.writeValueAsString(
                                            Map.of(
                                                    "channel", channel, "event", event, "data",
                                                    data))
                                    + "\n")
                            .getBytes(StandardCharsets.UTF_8));
            in.flush();
            expect("sent 200");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void expect(String line) throws IOException {
        String got = out.readLine();
        if (!line.equals(got)) {
            throw new AssertionError("node pusher SDK: expected '" + line + "', got '" + got + "'");
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // the process is ended below either way
        }
        node.destroy();
    }
}
