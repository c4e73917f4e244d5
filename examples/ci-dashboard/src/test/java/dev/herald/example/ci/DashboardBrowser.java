package dev.herald.example.ci;

import static org.awaitility.Awaitility.await;

import dev.herald.testing.Browser;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * One person in the dashboard, in a {@link Browser} of their own: signing in, opening pages and
 * waiting until they are live, and reading what the page counts ({@code window.ciDash}).
 */
final class DashboardBrowser implements AutoCloseable {
    static final Duration WAIT = Browser.WAIT;

    private final Browser browser;
    final ChromeDriver driver;

    private DashboardBrowser(Browser browser) {
        this.browser = browser;
        this.driver = browser.driver();
    }

    static DashboardBrowser start() throws IOException {
        return new DashboardBrowser(Browser.start());
    }

    Object js(String script, Object... args) {
        return browser.js(script, args);
    }

    long jsLong(String script, Object... args) {
        return browser.jsLong(script, args);
    }

    void login(String base, String login) {
        driver.get(base + "/login");
        driver.findElement(By.id("login-" + login)).click();
        await().atMost(WAIT).until(() -> driver.getCurrentUrl().equals(base + "/"));
    }

    /**
     * Starts over as {@code login} in the same browser process: one window at the default size, the
     * old cookies gone and a new session, so nothing an earlier test opened or resized is left.
     */
    void freshSession(String base, String login) {
        browser.oneWindow();
        driver.get(base + "/login");
        driver.manage().deleteAllCookies();
        login(base, login);
    }

    /**
     * Opens a page and waits until every subscription is in place and its first catch-up has
     * started.
     */
    void open(String url) {
        driver.get(url);
        awaitLive();
    }

    /**
     * Waits until every subscription of the page is in place and, after a reconnection, Herald's
     * replay is over (its {@code herald_recovered} came) and any catch-up has started.
     */
    void awaitLive() {
        browser.awaitTrue("page live", "return !!(window.ciDash && window.ciDash.live)");
    }

    void newWindow(String url) {
        browser.newWindow();
        open(url);
    }

    void markDocument() {
        browser.markDocument();
    }

    boolean sameDocument() {
        return browser.sameDocument();
    }

    long fetches() {
        return jsLong("return window.ciDash.stats.fetches;");
    }

    long events() {
        return jsLong("return window.ciDash.stats.events;");
    }

    /** One of the page's counters, {@code ciDash.stats[name]}. */
    long stat(String name) {
        return jsLong("return window.ciDash.stats[arguments[0]];", name);
    }

    /** Why the page fetched, in order: {@code subscribed}, {@code gap}, {@code reconnect}, ... */
    @SuppressWarnings("unchecked")
    List<String> syncs() {
        return (List<String>) js("return window.ciDash.stats.syncs;");
    }

    String connectionState() {
        return (String) js("return window.ciDash.pusher.connection.state;");
    }

    String socketId() {
        return (String) js("return window.ciDash.pusher.connection.socket_id;");
    }

    String rowStatus(long buildId) {
        return (String)
                js(
                        "var r = document.getElementById('build-' + arguments[0]); return r ? r.dataset.status : null;",
                        buildId);
    }

    Path screenshot(Path file) throws IOException {
        return browser.screenshot(file);
    }

    @Override
    public void close() throws IOException {
        browser.close();
    }
}
