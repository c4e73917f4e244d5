package dev.herald.example.ci;

import dev.herald.example.ci.Model.Build;
import dev.herald.example.ci.Model.LogLine;
import dev.herald.example.ci.Model.Project;
import dev.herald.example.ci.Model.Status;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated CI runner: starts a build, streams its output a few lines at a time, then finishes it
 * as success or failed. Every step is written to the database first and then pushed through Herald
 * with the changed content.
 */
public final class BuildRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BuildRunner.class);

    /**
     * What a build does: its commit, its output, the pause between output steps and its result.
     * {@code gate}, when not null, holds the output back until it is counted down (tests use it to
     * open a page before anything streams).
     */
    public record Script(
            String branch,
            String commit,
            String message,
            String author,
            List<String> lines,
            long lineIntervalMillis,
            Status result,
            CountDownLatch gate) {
        public Script withGate(CountDownLatch newGate) {
            return new Script(
                    branch, commit, message, author, lines, lineIntervalMillis, result, newGate);
        }

        public Script withInterval(long millis) {
            return new Script(branch, commit, message, author, lines, millis, result, gate);
        }

        public Script withResult(Status newResult) {
            return new Script(
                    branch, commit, message, author, lines, lineIntervalMillis, newResult, gate);
        }
    }

    private static final String[] BRANCHES = {
        "main",
        "main",
        "main",
        "feature/live-logs",
        "fix/flaky-timeout",
        "feature/dark-mode",
        "chore/bump-deps",
        "release/1.4"
    };
    private static final String[] MESSAGES = {
        "Stream build output to the dashboard", "Fix race in artifact upload",
                "Bump Jackson to 2.21",
        "Add retry with backoff to deploy step", "Cache dependencies between builds",
                "Tidy up logging",
        "Speed up integration tests", "Handle empty commit messages",
                "Show build duration on project page",
        "Refactor webhook parser", "Add health endpoint", "Document the release process",
        "Fix off-by-one in pagination", "Upgrade to Java 17", "Remove dead feature flag"
    };
    private static final String[] MODULES = {"core", "api", "web", "worker", "cli"};
    private static final String[] TEST_CLASSES = {
        "BuildQueueTest",
        "WebhookParserTest",
        "ArtifactStoreTest",
        "SchedulerTest",
        "AuthFilterTest",
        "ProjectServiceTest",
        "LogStreamTest",
        "RetryPolicyTest"
    };

    private final Store store;
    private final Publisher publisher;
    private final long defaultLineInterval;
    private final ExecutorService workers = Executors.newCachedThreadPool(daemon("build-runner"));
    private final AtomicInteger running = new AtomicInteger();
    private volatile Thread demoThread;
    private volatile boolean closed;

    public BuildRunner(Store store, Publisher publisher, long defaultLineInterval) {
        this.store = store;
        this.publisher = publisher;
        this.defaultLineInterval = defaultLineInterval;
    }

    /** Starts a build with made-up output; returns the new (running) build at once. */
    public Build start(long projectId, String author) throws SQLException {
        Project p =
                store.project(projectId)
                        .orElseThrow(() -> new IllegalArgumentException("no project " + projectId));
        return start(projectId, randomScript(p, author, defaultLineInterval));
    }

    /** Starts a build that follows the script; returns the new (running) build at once. */
    public Build start(long projectId, Script script) throws SQLException {
        Build build =
                store.createBuild(
                        projectId,
                        script.branch(),
                        script.commit(),
                        script.message(),
                        script.author(),
                        System.currentTimeMillis());
        publisher.buildCreated(build);
        running.incrementAndGet();
        workers.execute(
                () -> {
                    try {
                        run(build, script);
                    } catch (Exception e) {
                        log.warn("build {} stopped: {}", build.id(), e.toString());
                    } finally {
                        running.decrementAndGet();
                    }
                });
        return build;
    }

    public int runningBuilds() {
        return running.get();
    }

    private void run(Build build, Script script) throws Exception {
        if (script.gate() != null && !script.gate().await(5, TimeUnit.MINUTES)) {
            log.warn("build {}: gate never opened", build.id());
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        List<String> lines = script.lines();
        int i = 0;
        while (i < lines.size() && !closed) {
            int take = Math.min(lines.size() - i, 1 + rnd.nextInt(2));
            List<LogLine> written =
                    store.appendLines(
                            build.id(), lines.subList(i, i + take), System.currentTimeMillis());
            publisher.logLines(build.id(), written);
            i += take;
            sleep(jitter(script.lineIntervalMillis()));
        }
        if (closed) {
            return;
        }
        Build done = store.finish(build.id(), script.result(), System.currentTimeMillis());
        publisher.buildUpdated(done);
        log.info(
                "build {} #{} of {}: {}",
                done.id(),
                done.number(),
                done.projectName(),
                done.status());
    }

    // ---- demo mode ----------------------------------------------------------------------------

    /** Starts builds on random projects by themselves, about every {@code meanIntervalMillis}. */
    public void startDemo(long meanIntervalMillis) {
        Thread t =
                new Thread(
                        () -> {
                            sleep(1500);
                            while (!closed) {
                                try {
                                    if (running.get() < 3) {
                                        List<Project> projects = store.projects();
                                        if (!projects.isEmpty()) {
                                            Project p =
                                                    projects.get(
                                                            ThreadLocalRandom.current()
                                                                    .nextInt(projects.size()));
                                            start(p.id(), randomAuthor());
                                        }
                                    }
                                } catch (Exception e) {
                                    log.warn("demo build: {}", e.toString());
                                }
                                sleep(jitter(meanIntervalMillis));
                            }
                        },
                        "demo-builds");
        t.setDaemon(true);
        demoThread = t;
        t.start();
    }

    private String randomAuthor() {
        try {
            var users = store.users();
            return users.isEmpty()
                    ? "ci-bot"
                    : users.get(ThreadLocalRandom.current().nextInt(users.size())).name();
        } catch (SQLException e) {
            return "ci-bot";
        }
    }

    // ---- made-up builds -------------------------------------------------------------------------

    public static Script randomScript(Project project, String author, long lineInterval) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        String branch = BRANCHES[rnd.nextInt(BRANCHES.length)];
        String commit = String.format(Locale.ROOT, "%07x", rnd.nextInt(0x10000000));
        String message = MESSAGES[rnd.nextInt(MESSAGES.length)];
        Status result = rnd.nextInt(5) == 0 ? Status.failed : Status.success;
        return new Script(
                branch,
                commit,
                message,
                author,
                output(project, branch, commit, message, result),
                lineInterval,
                result,
                null);
    }

    /** Plausible output of a Maven build of the project. */
    public static List<String> output(
            Project project, String branch, String commit, String message, Status result) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        List<String> out = new ArrayList<>();
        out.add("$ git clone --depth 50 --branch " + branch + " " + project.repo());
        out.add("Cloning into '" + project.name() + "'...");
        out.add("$ git checkout " + commit);
        out.add("HEAD is now at " + commit + " " + message);
        out.add("$ ./mvnw -B verify");
        out.add("[INFO] Scanning for projects...");
        int modules = 2 + rnd.nextInt(3);
        int failingModule = result == Status.failed ? rnd.nextInt(modules) : -1;
        for (int m = 0; m < modules; m++) {
            String module = project.name() + "-" + MODULES[m % MODULES.length];
            out.add("[INFO] ------------------< dev.example:" + module + " >------------------");
            out.add(
                    "[INFO] Building "
                            + module
                            + " 1.4.0-SNAPSHOT ["
                            + (m + 1)
                            + "/"
                            + modules
                            + "]");
            out.add(
                    "[INFO] Compiling "
                            + (12 + rnd.nextInt(120))
                            + " source files to target/classes");
            int classes = 1 + rnd.nextInt(3);
            for (int t = 0; t < classes; t++) {
                String test = TEST_CLASSES[rnd.nextInt(TEST_CLASSES.length)];
                boolean fails = m == failingModule && t == classes - 1;
                out.add("[INFO] Running dev.example." + test);
                out.add(
                        String.format(
                                Locale.ROOT,
                                "[%s] Tests run: %d, Failures: %d, Errors: 0, Skipped: 0, "
                                        + "Time elapsed: %.2f s%s",
                                fails ? "ERROR" : "INFO",
                                3 + rnd.nextInt(20),
                                fails ? 1 : 0,
                                rnd.nextDouble(0.05, 3.0),
                                fails ? " <<< FAILURE!" : ""));
                if (fails) {
                    out.add(
                            "[ERROR] dev.example."
                                    + test
                                    + ".handlesTimeout -- expected: <200> but was: <504>");
                }
            }
            if (m == failingModule) {
                out.add(
                        "[INFO] ------------------------------------------------------------------------");
                out.add("[INFO] BUILD FAILURE");
                out.add(
                        "[ERROR] Failed to execute goal maven-surefire-plugin:test on project "
                                + module);
                return out;
            }
        }
        out.add("[INFO] ------------------------------------------------------------------------");
        out.add("[INFO] BUILD SUCCESS");
        out.add(String.format(Locale.ROOT, "[INFO] Total time:  %.3f s", rnd.nextDouble(4, 40)));
        return out;
    }

    private static long jitter(long mean) {
        if (mean <= 0) {
            return 0;
        }
        return mean / 2 + ThreadLocalRandom.current().nextLong(mean);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        closed = true;
        Thread t = demoThread;
        if (t != null) {
            t.interrupt();
        }
        workers.shutdownNow();
    }
}
