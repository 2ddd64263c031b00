package io.camelpgmq.examples.liveorders;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.camelpgmq.examples.ExampleDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The page in a real headless Chromium against a real PostgreSQL: a change shows without a reload, and after the
 * listener was down the page shows the table's truth (when the listener comes back, and on a reload). Needs Debian's
 * chromium and chromium-driver ({@code apt-get install -y chromium chromium-driver}; {@code .ci/run} installs them).
 */
class LiveOrdersPageTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static ExampleDatabase db;
    private static LiveOrdersExample app;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        // a newcomer with only a JDK and Maven can run ./mvnw verify; CI (.ci/run installs them) must run this test
        org.junit.jupiter.api.Assumptions.assumeTrue(present || System.getenv("CI") != null,
                "chromium and chromium-driver are not installed (apt-get install -y chromium chromium-driver)");
        if (!present) {
            fail("The live-orders browser test needs Debian's chromium and chromium-driver (" + CHROMIUM + ", "
                 + CHROMEDRIVER + "). Install them: apt-get update && apt-get install -y chromium chromium-driver");
        }
        db = ExampleDatabase.start();
        app = new LiveOrdersExample(db, 0, false, 0);
        app.start();
        // Debian's driver and browser, named explicitly: Selenium Manager never runs and nothing is downloaded
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + Files.createTempDirectory("live-orders-chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (app != null) {
            app.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private Object script(String js, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(js, args);
    }

    /** The status the page shows for an order (read in one script: rows are re-rendered as updates arrive). */
    private String status(int id) {
        return String.valueOf(script(
                "const e = document.querySelector('#order-' + arguments[0] + ' .status'); return e ? e.textContent : '';",
                id));
    }

    private void awaitStatus(int id, String expected, int seconds) {
        new WebDriverWait(browser, Duration.ofSeconds(seconds)).withMessage(() -> "order " + id + " shows '"
                + status(id) + "', expected '" + expected + "'").until(b -> expected.equals(status(id)));
    }

    private void awaitLive() {
        new WebDriverWait(browser, Duration.ofSeconds(10))
                .until(b -> "live".equals(b.findElement(By.id("state")).getText()));
    }

    @Test
    void changesShowWithoutReloadAndThePageShowsTheTableAfterTheListenerWasDown() throws Exception {
        browser.get(app.pageUrl());
        awaitStatus(1, "new", 10);
        awaitLive();
        script("window.sameDocument = 'yes';"); // a marker that a reload would erase

        // update + NOTIFY: the row changes in place
        app.store().updateAndNotify(1, "shipped");
        awaitStatus(1, "shipped", 5);
        assertEquals("yes", script("return window.sameDocument;"), "no reload: the row was updated in place");

        // the listener is down: this change notifies nobody, and the page keeps the old status
        app.camel().getRouteController().stopRoute("listener");
        app.store().updateAndNotify(2, "changed while nobody listened");
        Thread.sleep(1500);
        assertEquals("new", status(2), "no notification can have reached the page");

        // back up: pages are told to re-read the table, and show its truth
        app.camel().getRouteController().startRoute("listener");
        awaitStatus(2, "changed while nobody listened", 10);
        assertEquals("yes", script("return window.sameDocument;"), "no reload: the page caught up in place");

        // down again, and this time the page is reloaded: it reads the table on load
        app.camel().getRouteController().stopRoute("listener");
        app.store().updateAndNotify(3, "changed before the reload");
        browser.navigate().refresh();
        awaitStatus(3, "changed before the reload", 10);
        assertNull(script("return window.sameDocument;"), "this time the page was reloaded");
        awaitLive();
        app.camel().getRouteController().startRoute("listener");

        // and live again after all that
        app.store().updateAndNotify(4, "delivered");
        awaitStatus(4, "delivered", 5);
    }
}
