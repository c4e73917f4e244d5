package dev.herald.testing;

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
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Headless Debian Chromium through the system chromedriver: no Selenium Manager, no downloads. One
 * instance is one person with their own cookies. The browser's console is recorded ({@link
 * #consoleErrors()}), so a test can check that a page ran without a script error.
 *
 * <p>{@code -Dchromium.binary} and {@code -Dchromedriver.binary} override {@code /usr/bin/chromium}
 * and {@code /usr/bin/chromedriver}.
 */
public final class Browser implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(25);
    public static final Dimension DEFAULT_SIZE = new Dimension(1280, 820);

    private final ChromeDriver driver;
    private final Path profile;
    private final Dimension size;

    private Browser(ChromeDriver driver, Path profile, Dimension size) {
        this.driver = driver;
        this.profile = profile;
        this.size = size;
    }

    /** A browser whose window is {@link #DEFAULT_SIZE}. */
    public static Browser start() throws IOException {
        return start(DEFAULT_SIZE);
    }

    /** A browser whose window is {@code size} (what a screenshot shows). */
    public static Browser start(Dimension size) throws IOException {
        String chromium = System.getProperty("chromium.binary", "/usr/bin/chromium");
        String chromedriver = System.getProperty("chromedriver.binary", "/usr/bin/chromedriver");
        System.setProperty("webdriver.chrome.driver", chromedriver);
        Path profile = Files.createTempDirectory("herald-chromium-");
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
                "--window-size=" + size.width + "," + size.height,
                "--disable-renderer-backgrounding",
                "--disable-background-timer-throttling",
                "--disable-backgrounding-occluded-windows");
        // the page's console (script errors, failed loads) for consoleErrors()
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        try {
            return new Browser(new ChromeDriver(service, options), profile, size);
        } catch (RuntimeException e) {
            deleteProfile(profile);
            throw e;
        }
    }

    public ChromeDriver driver() {
        return driver;
    }

    public Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** The script's number, or -1 when it returns nothing. */
    public long jsLong(String script, Object... args) {
        Object v = js(script, args);
        return v == null ? -1 : ((Number) v).longValue();
    }

    /** The script's text, or null. */
    public String jsString(String script, Object... args) {
        Object v = js(script, args);
        return v == null ? null : v.toString();
    }

    /** Waits until {@code script} returns {@code true}. */
    public void awaitTrue(String description, String script, Object... args) {
        await(description)
                .atMost(WAIT)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> Boolean.TRUE.equals(js(script, args)));
    }

    /** Forgets every cookie of every site (whatever page is shown). */
    public void clearCookies() {
        driver.executeCdpCommand("Network.clearBrowserCookies", Map.of());
    }

    public void newWindow() {
        driver.switchTo().newWindow(WindowType.WINDOW);
    }

    /**
     * Closes every window but the first and gives it the browser's size again, so that nothing an
     * earlier test opened or resized is left.
     */
    public void oneWindow() {
        List<String> windows = new ArrayList<>(driver.getWindowHandles());
        for (String extra : windows.subList(1, windows.size())) {
            driver.switchTo().window(extra);
            driver.close();
        }
        driver.switchTo().window(windows.get(0));
        driver.manage().window().setSize(size);
    }

    /** Marks the current document; a navigation or reload would lose the mark. */
    public void markDocument() {
        js(
                "window.__marker = 1; window.__navigations = performance.getEntriesByType('navigation').length;");
    }

    /** True when the document marked by markDocument() is still the one shown. */
    public boolean sameDocument() {
        return Boolean.TRUE.equals(
                js(
                        "return window.__marker === 1 && "
                                + "performance.getEntriesByType('navigation').length === window.__navigations;"));
    }

    /**
     * The browser console's entries since the last call, as {@code LEVEL message}; the log is
     * emptied by reading it.
     */
    public List<String> consoleEntries() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(e -> e.getLevel() + " " + e.getMessage())
                .collect(Collectors.toList());
    }

    /**
     * The browser console's SEVERE entries since the last call (script errors, resources that
     * failed to load); the log is emptied by reading it.
     */
    public List<String> consoleErrors() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .collect(Collectors.toList());
    }

    public Path screenshot(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = driver.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(tmp);
        return file;
    }

    /** The window's size; the viewport is smaller by the (headless) browser's frame. */
    public void resize(Dimension size) {
        driver.manage().window().setSize(size);
    }

    /**
     * Sizes the window so that the page itself (the viewport, what a screenshot holds) is {@code
     * size}: the window is larger by the browser's frame, which differs between versions.
     */
    public void viewport(Dimension size) {
        resize(size);
        long width = jsLong("return window.innerWidth;");
        long height = jsLong("return window.innerHeight;");
        resize(new Dimension((int) (2L * size.width - width), (int) (2L * size.height - height)));
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            deleteProfile(profile);
        }
    }

    private static void deleteProfile(Path profile) throws IOException {
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
