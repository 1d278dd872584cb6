package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.testing.Https;
import com.strongroom.testing.LabBrowser;
import com.strongroom.testing.LabKeycloak;
import com.strongroom.testing.LabSso;
import com.strongroom.testing.SharedKeycloak;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * Every page of the browser UI in headless Chromium against a running appliance, signed in through
 * the real SAML-brokered Keycloak flow: datasets, a dataset with uploads, search, API keys,
 * webhooks, members, audit trail, keys and HSM. Writes a screenshot of each page to
 * target/screenshots (docs/ui.md shows them), at 1280 px and, for two pages, 390 px.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SharedKeycloak.class)
class UiBrowserTest {
    @TempDir
    static Path dir;

    private static LabSso sso;
    private static LabBrowser browser;
    private static String datasetId;

    @BeforeAll
    static void start(LabKeycloak keycloak) throws Exception {
        sso = LabSso.start(dir, keycloak, UiBrowserTest.class);
        browser = LabBrowser.start(dir);
        browser.signInThroughCorporateIdp(sso.applianceUrl, "alice", LabSso.password("alice"));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (sso != null) {
                sso.close();
            }
        }
    }

    private static void open(String hash) {
        browser.driver.get(sso.applianceUrl + "/#/" + hash);
    }

    @Test
    @Order(1)
    void datasets_createWithTheKeyboard_renameAndSeeThem() throws Exception {
        open("datasets");
        WebElement name = browser.await(By.cssSelector("#create-dataset input[name=name]"));
        // keyboard only: type, Tab to the description, Enter submits
        name.sendKeys("Staff handbook draft");
        name.sendKeys(Keys.TAB);
        browser.driver.switchTo().activeElement().sendKeys("Policies for all staff", Keys.ENTER);
        browser.awaitText(By.id("datasets"), "Staff handbook draft");

        WebElement row = browser.driver.findElement(By.xpath("//table//tr[td/a[text()='Staff handbook draft']]"));
        datasetId = row.getDomAttribute("data-id");
        row.findElement(By.cssSelector("button.rename")).click();
        WebElement input = browser.await(By.cssSelector("#datasets form.inline input[name=name]"));
        input.clear();
        input.sendKeys("Staff handbook", Keys.ENTER);
        browser.awaitText(By.id("datasets"), "Staff handbook");

        // a duplicate name: the error appears next to the field, nothing else changes
        WebElement again = browser.await(By.cssSelector("#create-dataset input[name=name]"));
        again.sendKeys("Staff handbook", Keys.ENTER);
        browser.awaitText(By.cssSelector("#create-dataset"), "already");
        browser.screenshot("datasets", 1280);
        browser.screenshot("datasets-390", 390);
    }

    @Test
    @Order(2)
    void aDataset_uploadsSeveralFiles_withProgress_andShowsWhyOneFailed() throws Exception {
        open("datasets/" + datasetId);
        WebElement files = browser.await(By.id("upload-files"));
        Path bad = dir.resolve("empty-notes.txt");
        Files.writeString(bad, "");
        Path handbook = Path.of("..", "docs", "examples", "handbook.pdf")
                .toAbsolutePath()
                .normalize();
        files.sendKeys(handbook + "\n" + bad);
        browser.driver
                .findElement(By.cssSelector("#upload button[type=submit]"))
                .click();
        browser.awaitText(By.cssSelector("#upload-progress li[data-file='handbook.pdf']"), "uploaded");
        browser.awaitText(By.cssSelector("#upload-progress li[data-file='empty-notes.txt']"), "failed");
        String failure = browser.driver
                .findElement(By.cssSelector("#upload-progress li[data-file='empty-notes.txt']"))
                .getText();
        assertTrue(failure.toLowerCase().contains("empty"), failure);
        browser.awaitText(By.cssSelector("#documents tr[data-status]"), "ready");
        WebElement doc = browser.driver.findElement(By.cssSelector("#documents tr[data-status='ready']"));
        assertTrue(doc.getText().contains("handbook.pdf"), doc.getText());
        browser.screenshot("dataset", 1280);
    }

    @Test
    @Order(3)
    void search_findsThePassage_withTheWordsMarked() throws Exception {
        open("search?dataset=" + datasetId);
        WebElement q = browser.await(By.cssSelector("#search input[name=query]"));
        q.sendKeys("how many vacation days do I get?", Keys.ENTER);
        browser.awaitText(By.id("results"), "score");
        WebElement first = browser.driver.findElement(By.cssSelector("#results li.result"));
        assertTrue(first.getText().contains("28 days of paid vacation"), first.getText());
        assertFalse(first.findElements(By.tagName("mark")).isEmpty(), "query words are marked");
        assertTrue(
                first.findElement(By.cssSelector("a")).getDomAttribute("href").contains("/documents/doc_"));

        // bad filters: the message sits next to the filters field
        WebElement filters = browser.driver.findElement(By.cssSelector("#search input[name=filters]"));
        filters.sendKeys("{not json", Keys.ENTER);
        browser.awaitText(By.cssSelector("#search [data-field=filters] .field-error"), "not valid JSON");
        filters.clear();
        browser.screenshot("search", 1280);
    }

    @Test
    @Order(4)
    void apiKeys_secretShownOnce_works_thenRevokedStopsWorking() throws Exception {
        open("keys");
        browser.await(By.cssSelector("#create-key input[name=name]")).sendKeys("nightly export");
        browser.driver
                .findElement(By.cssSelector("#create-key button[type=submit]"))
                .click();
        WebElement secret;
        try {
            secret = browser.await(By.id("secret-value"));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError(
                    "no key: " + browser.driver.findElement(By.id("create-key")).getText(), e);
        }
        String key = secret.getDomProperty("value");
        assertTrue(key.startsWith("sr_live_"), key);
        browser.driver.findElement(By.id("copy-secret")).click();
        Https https = sso.appliance.https();
        assertEquals(200, https.get("/v1/datasets", key).statusCode());
        browser.screenshot("api-keys", 1280);

        WebElement row = browser.driver.findElement(By.xpath("//tr[td[contains(., 'nightly export')]]"));
        browser.driver.executeScript("window.confirm = () => true");
        row.findElement(By.cssSelector("button.revoke")).click();
        browser.awaitText(By.id("api-keys"), "Revoked");
        assertEquals(401, https.get("/v1/datasets", key).statusCode());
        open("keys");
        browser.await(By.id("api-keys"));
        assertFalse(browser.driver.getPageSource().contains(key), "the secret is not shown again");
    }

    @Test
    @Order(5)
    void webhooksAndMembers() throws Exception {
        open("webhooks");
        browser.await(By.cssSelector("#create-webhook input[name=url]")).sendKeys("http://example.internal/hook");
        browser.driver
                .findElement(By.cssSelector("#create-webhook button[type=submit]"))
                .click();
        browser.awaitText(By.cssSelector("#create-webhook [data-field=url] .field-error"), "https");
        browser.screenshot("webhooks", 1280);

        open("members");
        browser.awaitText(By.id("members"), "alice@corp.example");
        assertTrue(browser.driver.findElement(By.id("members")).getText().contains("admin"));
        browser.screenshot("members", 1280);
    }

    @Test
    @Order(6)
    void auditTrail_filtersAndExports() throws Exception {
        open("audit");
        browser.await(By.cssSelector("#audit-filter input[name=action]")).sendKeys("dataset.", Keys.ENTER);
        browser.awaitText(By.id("audit-entries"), "dataset.updated");
        String shown = browser.driver.findElement(By.id("audit-entries")).getText();
        assertTrue(shown.contains("dataset.created"), shown);
        assertFalse(shown.contains("api_key.created"), "the action filter applies");
        String href = browser.driver.findElement(By.id("audit-export")).getDomAttribute("href");
        assertTrue(href.contains("format=jsonl") && href.contains("action=dataset."), href);
        String exported = (String) browser.driver.executeAsyncScript(
                "const done = arguments[1]; fetch(arguments[0]).then(r => r.text()).then(done);", href);
        assertEquals(2, exported.strip().lines().count(), exported);
        browser.screenshot("audit", 1280);
    }

    @Test
    @Order(7)
    void keysAndHsm_areTheOperators_anOrganizationOwnerIsToldWhereTheyAre() throws Exception {
        // Since the operator role (issue 14.6) SSO users, owners included, get 403 from /v1/system/*;
        // the page says so instead of breaking. Rotation itself is tested with the operator key
        // (OperatorRoleEndToEndTest, ApplianceEndToEndTest).
        open("security");
        browser.awaitText(By.id("operator-only"), "belong to the appliance operator");
        String shown = browser.driver.findElement(By.id("operator-only")).getText();
        assertTrue(shown.contains("strongroom keys status"), shown);
        assertTrue(browser.driver.findElements(By.id("seal-state")).isEmpty(), "no key state for a tenant");
        assertTrue(browser.driver.findElements(By.id("rotate")).isEmpty(), "no rotation form for a tenant");
        browser.screenshot("security", 1280);
    }

    @Test
    @Order(8)
    void deleteShowsTheRestoreWindow_andRestoreBringsItBack() throws Exception {
        open("datasets");
        WebElement row = browser.await(By.cssSelector("#datasets tr[data-id='" + datasetId + "']"));
        browser.driver.executeScript("window.confirm = () => true");
        row.findElement(By.cssSelector("button.delete")).click();
        browser.awaitText(By.id("datasets"), "can be restored until");
        browser.awaitText(By.id("deleted-datasets"), "Staff handbook");
        browser.driver
                .findElement(By.cssSelector("#deleted-datasets button.restore"))
                .click();
        browser.awaitText(By.id("datasets"), "Restored");
        assertFalse(browser.driver
                .findElements(By.cssSelector("#datasets tr[data-id='" + datasetId + "']"))
                .isEmpty());
    }

    @Test
    @Order(9)
    void noPageBreaksTheCsp_orLoadsAnythingFromElsewhere_andFitsA390PixelScreen() throws Exception {
        for (String page : List.of(
                "datasets", "datasets/" + datasetId, "search", "keys", "webhooks", "members", "audit", "security")) {
            open(page);
            browser.await(By.cssSelector("main h1"));
            Thread.sleep(300); // let the page's requests finish
            for (String origin : browser.resourceOrigins()) {
                assertEquals(sso.applianceUrl, origin, page + " loaded something from " + origin);
            }
            // every form control has a label a screen reader can announce
            Object unlabelled = browser.js("return [...document.querySelectorAll('main input, main select')]"
                    + ".filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))"
                    + ".map(e => e.name)");
            assertEquals(List.of(), unlabelled, page);
        }
        List<String> csp = browser.console().stream()
                .filter(m -> m.contains("Content Security Policy") || m.contains("Refused to"))
                .toList();
        assertEquals(List.of(), csp);
        browser.driver.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        open("search");
        browser.await(By.cssSelector("main h1"));
        long overflow = (Long) browser.js("return document.documentElement.scrollWidth - window.innerWidth");
        assertTrue(overflow <= 0, "the search page scrolls sideways at 390 px by " + overflow + " px");
        browser.screenshot("search-390", 390);
        browser.driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 900));
    }
}
