package dev.herald.example.ci;

import static org.awaitility.Awaitility.await;

import dev.herald.testing.Browser;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
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
     * Opens a page and waits until every subscription is in place and the first catch-up is done.
     */
    void open(String url) {
        driver.get(url);
        awaitLive();
    }

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
