package dev.herald.example.ci;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Debian Chromium through the system chromedriver: no Selenium Manager, no downloads. One
 * instance is one person with their own cookies.
 */
final class Browser implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(25);
    static final Dimension DEFAULT_SIZE = new Dimension(1280, 820);

    final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    static Browser start() throws Exception {
        String chromium = System.getProperty("chromium.binary", "/usr/bin/chromium");
        String chromedriver = System.getProperty("chromedriver.binary", "/usr/bin/chromedriver");
        System.setProperty("webdriver.chrome.driver", chromedriver);
        Path profile = Files.createTempDirectory("ci-dashboard-chromium-");
        ChromeDriverService service =
                new ChromeDriverService.Builder()
                        .usingDriverExecutable(new File(chromedriver))
                        .usingAnyFreePort()
                        .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--user-data-dir=" + profile,
                "--window-size=" + DEFAULT_SIZE.width + "," + DEFAULT_SIZE.height,
                "--disable-renderer-backgrounding",
                "--disable-background-timer-throttling",
                "--disable-backgrounding-occluded-windows");
        return new Browser(new ChromeDriver(service, options), profile);
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    long jsLong(String script, Object... args) {
        Object v = js(script, args);
        return v == null ? -1 : ((Number) v).longValue();
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
        List<String> windows = new ArrayList<>(driver.getWindowHandles());
        for (String extra : windows.subList(1, windows.size())) {
            driver.switchTo().window(extra);
            driver.close();
        }
        driver.switchTo().window(windows.get(0));
        driver.manage().window().setSize(DEFAULT_SIZE);
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
        await("page live")
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(50))
                .until(
                        () ->
                                Boolean.TRUE.equals(
                                        js("return !!(window.ciDash && window.ciDash.live)")));
    }

    void newWindow(String url) {
        driver.switchTo().newWindow(WindowType.WINDOW);
        open(url);
    }

    /** Marks the current document; a navigation or reload would lose the mark. */
    void markDocument() {
        js(
                "window.__marker = 1; window.__navigations = performance.getEntriesByType('navigation').length;");
    }

    /** True when the document marked by markDocument() is still the one shown. */
    boolean sameDocument() {
        return Boolean.TRUE.equals(
                js(
                        "return window.__marker === 1 && "
                                + "performance.getEntriesByType('navigation').length === window.__navigations;"));
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

    Path screenshot(Path file) throws Exception {
        Files.createDirectories(file.getParent());
        Path tmp = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
