package dev.herald.example.ci;

import java.net.BindException;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/** {@code java -jar ci-dashboard.jar [--flags]}: see {@link Config} or {@code --help}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(Config.help());
            return;
        }
        Config config;
        try {
            config = Config.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("ci-dashboard: " + e.getMessage());
            System.exit(2);
            return;
        }
        CiDashboardApp app;
        try {
            app = CiDashboardApp.start(config);
        } catch (BindException e) {
            System.err.println(
                    "ci-dashboard: cannot listen on "
                            + config.bindHost()
                            + ":"
                            + config.port()
                            + " ("
                            + e.getMessage()
                            + "); choose another port with --port or CI_DASHBOARD_PORT");
            System.exit(1);
            return;
        } catch (SQLException e) {
            System.err.println(
                    "ci-dashboard: database " + config.jdbcUrl() + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    app.close();
                                    stopped.countDown();
                                },
                                "shutdown"));
        System.out.println("CI dashboard: open " + app.baseUrl() + "/ and pick a user");
        stopped.await();
    }
}
