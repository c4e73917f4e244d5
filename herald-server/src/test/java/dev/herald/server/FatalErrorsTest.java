package dev.herald.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.internal.Fatal;
import dev.herald.internal.GuardedExecutor;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The fatal-error guard, with the halt replaced by a recorder: a {@link VirtualMachineError} on a
 * real Netty event loop, on a thread that dies of it, on a guarded executor, or in a log call halts
 * with {@link FatalErrors#EXIT_CODE}; anything else does not.
 */
@DisplayName("issue 13: a node that runs out of memory exits")
class FatalErrorsTest {

    private final CompletableFuture<Integer> halted = new CompletableFuture<>();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final AtomicReference<Throwable> passedOn = new AtomicReference<>();
    private Thread.UncaughtExceptionHandler before;
    private FatalErrors guard;

    @BeforeEach
    void install() {
        before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, t) -> passedOn.set(t));
        guard =
                new FatalErrors(
                                halted::complete,
                                new PrintStream(err, true, StandardCharsets.UTF_8))
                        .install();
    }

    @AfterEach
    void uninstall() {
        guard.close();
        Thread.setDefaultUncaughtExceptionHandler(before);
    }

    @Test
    void haltsWhenAnEventLoopTaskRunsOutOfMemory() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            group.next()
                    .execute(
                            () -> {
                                throw new OutOfMemoryError("Java heap space (test)");
                            });
            assertThat(halted.get(5, TimeUnit.SECONDS)).isEqualTo(FatalErrors.EXIT_CODE);
            assertThat(err.toString(StandardCharsets.UTF_8))
                    .contains("java.lang.OutOfMemoryError")
                    .contains("exit code 3");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void haltsWhenAThreadDiesOfAStackOverflow() throws Exception {
        Thread thread =
                new Thread(
                        () -> {
                            throw new StackOverflowError("test");
                        },
                        "doomed");
        thread.start();
        thread.join(5_000);
        assertThat(halted.get(5, TimeUnit.SECONDS)).isEqualTo(FatalErrors.EXIT_CODE);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("StackOverflowError")
                .contains("doomed");
    }

    @Test
    void passesOrdinaryUncaughtExceptionsOnWithoutHalting() throws Exception {
        Thread thread =
                new Thread(
                        () -> {
                            throw new IllegalStateException("ordinary");
                        });
        thread.start();
        thread.join(5_000);
        assertThat(passedOn.get()).isInstanceOf(IllegalStateException.class);
        assertThat(halted).isNotDone();
    }

    @Test
    void printsAnOrdinaryUncaughtExceptionWhenItIsTheOnlyHandler() throws Exception {
        // as in the server: no default handler before it, so it is the JVM's last resort
        guard.close();
        Thread.setDefaultUncaughtExceptionHandler(null);
        guard =
                new FatalErrors(
                                halted::complete,
                                new PrintStream(err, true, StandardCharsets.UTF_8))
                        .install();
        Thread thread =
                new Thread(
                        () -> {
                            throw new IllegalStateException("ordinary");
                        },
                        "plain");
        thread.start();
        thread.join(5_000);

        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("Exception in thread \"plain\" java.lang.IllegalStateException: ordinary")
                .doesNotContain("StackOverflowError");
        assertThat(halted).isNotDone();
    }

    @Test
    void haltsWhenAGuardedExecutorTaskRunsOutOfMemory() throws Exception {
        GuardedExecutor executor = GuardedExecutor.singleThread("herald-test-guarded");
        try {
            // a scheduled executor would keep this inside the task's future, where nobody looks
            executor.execute(
                    () -> {
                        throw new OutOfMemoryError("test");
                    });
            assertThat(halted.get(5, TimeUnit.SECONDS)).isEqualTo(FatalErrors.EXIT_CODE);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void haltsWhenAWrappedFatalErrorIsLoggedAtAnyLevel() throws Exception {
        LoggerFactory.getLogger("dev.herald.test")
                .trace(
                        "a future failed: {}",
                        "ignored",
                        new CompletionException(new OutOfMemoryError("Direct buffer memory")));
        assertThat(halted.get(5, TimeUnit.SECONDS)).isEqualTo(FatalErrors.EXIT_CODE);
    }

    @Test
    void ignoresOrdinaryLoggedExceptionsAndSurfacedOnes() {
        LoggerFactory.getLogger("dev.herald.test").warn("routine", new IOException("reset"));
        Fatal.surface(new IllegalArgumentException("bad input"));
        assertThat(halted).isNotDone();
    }

    @Test
    void haltsWhenOurCodeSurfacesAFatalError() throws Exception {
        Fatal.surface(new CompletionException(new OutOfMemoryError("test")));
        assertThat(halted.get(5, TimeUnit.SECONDS)).isEqualTo(FatalErrors.EXIT_CODE);
    }
}
