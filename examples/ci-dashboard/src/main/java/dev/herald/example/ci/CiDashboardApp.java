package dev.herald.example.ci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.sql.SQLException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running dashboard: database, Herald publisher, build runner and HTTP server. */
public final class CiDashboardApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CiDashboardApp.class);

    private final Config config;
    private final Store store;
    private final Publisher publisher;
    private final BuildRunner runner;
    private final HttpServer server;
    private final ExecutorService executor;

    private CiDashboardApp(
            Config config,
            Store store,
            Publisher publisher,
            BuildRunner runner,
            HttpServer server,
            ExecutorService executor) {
        this.config = config;
        this.store = store;
        this.publisher = publisher;
        this.runner = runner;
        this.server = server;
        this.executor = executor;
    }

    public static CiDashboardApp start(Config config) throws IOException, SQLException {
        ObjectMapper json = new ObjectMapper();
        Store store = new Store(config.jdbcUrl(), config.jdbcUser(), config.jdbcPassword());
        store.open();
        if (DemoData.seedIfEmpty(store)) {
            log.info("seeded demo users, projects and builds");
        }
        int abandoned = store.failAbandonedBuilds(System.currentTimeMillis());
        if (abandoned > 0) {
            log.info("marked {} builds of an earlier run as failed", abandoned);
        }
        Publisher publisher = new Publisher(config, json);
        BuildRunner runner = new BuildRunner(store, publisher, config.lineIntervalMillis());
        HttpServer server =
                HttpServer.create(new InetSocketAddress(config.bindHost(), config.port()), 128);
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor =
                Executors.newFixedThreadPool(
                        16,
                        r -> {
                            Thread t = new Thread(r, "http-" + n.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
        server.setExecutor(executor);
        server.createContext("/", new WebHandler(config, store, publisher, runner, json));
        server.start();
        if (config.demo()) {
            runner.startDemo(config.demoIntervalMillis());
        }
        CiDashboardApp app = new CiDashboardApp(config, store, publisher, runner, server, executor);
        log.info(
                "CI dashboard on {} (Herald at {}:{}, app {}, database {}{})",
                app.baseUrl(),
                config.heraldHost(),
                config.heraldPort(),
                config.appId(),
                config.jdbcUrl(),
                config.demo() ? ", demo builds on" : "");
        return app;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String baseUrl() {
        String host = config.bindHost().equals("0.0.0.0") ? "127.0.0.1" : config.bindHost();
        return "http://" + host + ":" + port();
    }

    public Store store() {
        return store;
    }

    public BuildRunner runner() {
        return runner;
    }

    public Config config() {
        return config;
    }

    @Override
    public void close() {
        runner.close();
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publisher.close();
        store.close();
    }
}
