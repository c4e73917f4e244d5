package dev.herald.bench;

import dev.herald.bench.config.BenchConfig;
import dev.herald.bench.config.BenchOptions;
import dev.herald.bench.config.Durations;
import dev.herald.bench.config.Scenario;
import dev.herald.bench.run.ChildMain;
import dev.herald.bench.run.Coordinator;
import dev.herald.bench.run.StormNode;
import dev.herald.bench.soak.SoakChart;
import dev.herald.bench.soak.SoakRecorder;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code herald-bench}: a load generator for any Pusher-compatible server, plus Herald's JMH
 * microbenchmarks. One subcommand per scenario; {@code child} is the hidden mode of generator child
 * processes.
 */
@Command(
        name = "herald-bench",
        mixinStandardHelpOptions = true,
        version = "herald-bench 0.1",
        description =
                "Load generator for Pusher-compatible servers (WebSocket clients + signed HTTP API publisher).",
        footer = {
            "",
            "Every run stops by itself after its --duration. Results: a progress line per second, a final table,",
            "a JSON file (--out) and an SVG chart next to it. See docs/bench-usage.md."
        })
public final class Main implements Callable<Integer> {
    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 2;
    }

    /** One scenario: its defaults overlaid with the flags. */
    @Command(mixinStandardHelpOptions = true, sortOptions = false)
    static final class ScenarioCommand implements Callable<Integer> {
        private final Scenario scenario;

        @Mixin BenchOptions options = new BenchOptions();

        ScenarioCommand(Scenario scenario) {
            this.scenario = scenario;
        }

        @Override
        public Integer call() throws Exception {
            BenchConfig cfg;
            try {
                cfg = BenchConfig.resolve(scenario, options);
            } catch (IllegalArgumentException e) {
                System.err.println("herald-bench: " + e.getMessage());
                return 2;
            }
            if (options.dryRun) {
                if (scenario == Scenario.RECONNECT_STORM) {
                    try {
                        StormNode node = StormNode.find(cfg.stormNodePid(), cfg.ports());
                        System.out.printf(
                                "storm node: pid %d listens on port %d%n", node.pid(), node.port());
                    } catch (IllegalArgumentException e) {
                        System.err.println("herald-bench: " + e.getMessage());
                        return 2;
                    }
                }
                System.out.printf(
                        "herald-bench %s against %s at %s:%s: flags accepted (dry run, nothing connected)%n",
                        cfg.scenario(),
                        cfg.target().name().toLowerCase(Locale.ROOT),
                        cfg.host(),
                        cfg.portsText());
                return 0;
            }
            try {
                return new Coordinator(cfg, System.out).run();
            } catch (IllegalStateException | IllegalArgumentException e) {
                System.err.println("herald-bench: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "child", hidden = true, description = "Generator child process (internal).")
    static final class ChildCommand implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return ChildMain.run();
        }
    }

    /** Draws the soak chart again from a samples CSV, e.g. with a different warm-up or title. */
    @Command(
            name = "soak-chart",
            mixinStandardHelpOptions = true,
            description =
                    "Draw the soak chart (SVG) from a churn samples CSV (<out>-samples.csv) and print the slopes after the warm-up.")
    static final class SoakChartCommand implements Callable<Integer> {
        @Parameters(index = "0", description = "The samples CSV.")
        Path csv;

        @Option(
                names = {"-o", "--out"},
                required = true,
                description = "The SVG file to write.")
        Path out;

        @Option(
                names = "--warmup",
                converter = Durations.class,
                description = "Samples before this are left out of the slopes (default 0s).")
        Duration warmup = Duration.ZERO;

        @Option(names = "--title", description = "Chart title.")
        String title = "herald-bench churn: the server over the run";

        @Option(names = "--subtitle", description = "Chart subtitle; \\n starts a second line.")
        String subtitle = "";

        @Override
        public Integer call() throws Exception {
            List<SoakRecorder.Sample> samples = SoakRecorder.parseCsv(Files.readString(csv));
            double w = warmup.toMillis() / 1000.0;
            Files.writeString(
                    out, SoakChart.render(title, subtitle.replace("\\n", "\n"), samples, w));
            System.out.println(SoakRecorder.summary(samples, w, Double.NaN));
            return 0;
        }
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        for (Scenario s : Scenario.values()) {
            CommandLine sub = new CommandLine(new ScenarioCommand(s));
            sub.getCommandSpec()
                    .usageMessage()
                    .description(s.description)
                    .footer("", s.defaultsText());
            cl.addSubcommand(s.cliName, sub);
        }
        cl.addSubcommand("soak-chart", new SoakChartCommand());
        cl.addSubcommand("jmh", new JmhCommand());
        cl.addSubcommand("child", new ChildCommand());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    /** Listed in the help; {@link #main} hands its arguments to JMH untouched. */
    @Command(
            name = "jmh",
            description =
                    "JMH microbenchmarks of Herald's hot path (frame encoding, signature verification, fan-out); arguments go to JMH (-h for its help, -l to list).")
    static final class JmhCommand implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            org.openjdk.jmh.Main.main(new String[0]);
            return 0;
        }
    }

    public static void main(String[] args) throws Exception {
        // Netty would pick SLF4J (on the class path for the JMH part, without a provider) and
        // print a warning; its few messages go to java.util.logging instead.
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
        if (args.length > 0 && args[0].equals("jmh")) {
            org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        int code = commandLine().execute(args);
        System.exit(code);
    }
}
