package io.camelpgmq.examples.liveorders;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The page in a real headless Chromium: a change shows without a reload, and after the listener was down the page
 * shows the table's truth. Needs Debian's chromium and chromium-driver ({@code .ci/run} installs them); without
 * them the test is skipped on a developer machine and fails in CI.
 */
class LiveOrdersPageTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static LiveOrdersExample app;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && System.getenv("CI") != null) {
            fail("The browser test needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver");
        }
        Assumptions.assumeTrue(present, "chromium and chromium-driver are not installed (apt-get install -y chromium"
                                        + " chromium-driver); .ci/run installs them");
        app = new LiveOrdersExample(0, false);
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
    }

    private String status(int id) {
        // read in one script: the row is re-rendered as updates arrive, so an element handle can go stale
        Object text = ((JavascriptExecutor) browser).executeScript(
                "const e = document.querySelector('#order-' + arguments[0] + ' .status'); return e ? e.textContent : '';",
                id);
        return String.valueOf(text);
    }

    private void awaitStatus(int id, String expected, int seconds) {
        new WebDriverWait(browser, Duration.ofSeconds(seconds)).until(b -> expected.equals(status(id)));
    }

    @Test
    void changesShowWithoutReloadAndThePageCatchesUpAfterTheListenerWasDown() throws Exception {
        browser.get(app.pageUrl());
        awaitStatus(1, "new", 10);
        new WebDriverWait(browser, Duration.ofSeconds(10))
                .until(b -> "live".equals(b.findElement(By.id("state")).getText()));
        // a marker that a reload would erase
        ((JavascriptExecutor) browser).executeScript("window.sameDocument = 'yes';");

        app.store().updateAndNotify(1, "shipped");
        awaitStatus(1, "shipped", 5);

        // the listener is down: this change notifies nobody, and the page keeps the old status
        app.camel().getRouteController().stopRoute("listener");
        app.store().updateAndNotify(2, "changed while nobody listened");
        Thread.sleep(1500);
        assertEquals("new", status(2), "no notification reached the page");

        // back up: the page is told to re-read the table, and shows the truth
        app.camel().getRouteController().startRoute("listener");
        awaitStatus(2, "changed while nobody listened", 10);
        assertEquals("yes", ((JavascriptExecutor) browser).executeScript("return window.sameDocument;"),
                "no reload: the page updated in place");
    }
}
