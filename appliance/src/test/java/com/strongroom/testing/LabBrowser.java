package com.strongroom.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through Debian's chromedriver, with a fresh profile, no
 * background traffic, and every host name but loopback unresolvable: a page that needed anything
 * from outside the appliance (a CDN, a font service) would break here. {@link #close} ends the
 * browser and the driver process.
 */
public final class LabBrowser implements AutoCloseable {
    public final ChromeDriver driver;
    private final ChromeDriverService service;
    private final Path profile;

    private LabBrowser(ChromeDriver driver, ChromeDriverService service, Path profile) {
        this.driver = driver;
        this.service = service;
        this.profile = profile;
    }

    public static LabBrowser start(Path dir) throws Exception {
        Path profile = Files.createTempDirectory(dir, "chromium-profile");
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                "--user-data-dir=" + profile,
                "--window-size=1280,900");
        // the appliance's lab certificate is self-signed
        options.setAcceptInsecureCerts(true);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
                .usingAnyFreePort()
                .withLogOutput(Files.newOutputStream(dir.resolve("chromedriver.log")))
                .build();
        service.start();
        try {
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
            return new LabBrowser(driver, service, profile);
        } catch (RuntimeException e) {
            service.stop();
            throw e;
        }
    }

    public WebElement await(By by) {
        return new WebDriverWait(driver, Duration.ofSeconds(30))
                .until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    public void awaitText(By by, String text) {
        new WebDriverWait(driver, Duration.ofSeconds(60))
                .until(ExpectedConditions.textToBePresentInElementLocated(by, text));
    }

    public Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Runs fetch() in the page, as a script in it could; returns the HTTP status. */
    public long fetchStatus(String method, String path, String body, boolean withCsrf) {
        return (Long) ((JavascriptExecutor) driver)
                .executeAsyncScript(
                        """
                        const [method, path, body, withCsrf, done] = arguments;
                        (async () => {
                          const headers = {'Content-Type': 'application/json'};
                          if (withCsrf) {
                            const s = await (await fetch('/auth/session')).json();
                            headers['X-CSRF-Token'] = s.csrf_token;
                          }
                          const r = await fetch(path, {method, headers, body: body || undefined});
                          done(r.status);
                        })().catch(e => done(-1));
                        """,
                        method,
                        path,
                        body,
                        withCsrf);
    }

    /** Signs in at Keycloak: the strongroom realm's page, its corporate button, the corp realm's form. */
    public void signInThroughCorporateIdp(String appliance, String user, String password) {
        driver.get(appliance + "/");
        await(By.id("sign-in")).click();
        await(By.id("social-corporate")).click();
        await(By.id("username")).sendKeys(user);
        driver.findElement(By.id("password")).sendKeys(password);
        driver.findElement(By.id("kc-login")).click();
        await(By.id("role"));
    }

    /** Saves a PNG of the page at the given width to target/screenshots/{name}.png. */
    public Path screenshot(String name, int width) throws Exception {
        Dimension before = driver.manage().window().getSize();
        driver.manage().window().setSize(new Dimension(width, 900));
        long height = (Long) js("return Math.min(4000, document.documentElement.scrollHeight)");
        driver.manage().window().setSize(new Dimension(width, (int) Math.max(600, height)));
        Path shots = Path.of("target", "screenshots");
        Files.createDirectories(shots);
        Path file = shots.resolve(name + ".png");
        Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), file, StandardCopyOption.REPLACE_EXISTING);
        driver.manage().window().setSize(before);
        return file;
    }

    /** Console messages so far, e.g. to find Content-Security-Policy violations. */
    public List<String> console() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(LogEntry::getMessage)
                .toList();
    }

    /** The origin of every resource the page loaded. */
    @SuppressWarnings("unchecked")
    public List<String> resourceOrigins() {
        return (List<String>) js("return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)"
                + ".concat([location.origin])");
    }

    public Map<String, Object> session() {
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) ((JavascriptExecutor) driver)
                .executeAsyncScript("const done = arguments[0];"
                        + " fetch('/auth/session').then(r => r.json()).then(done, () => done(null));");
        return s;
    }

    @Override
    public void close() throws Exception {
        try {
            driver.quit();
        } finally {
            service.stop();
            try (var walk = Files.walk(profile)) {
                walk.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }
}
