package com.strongroom.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.testing.LabBrowser;
import com.strongroom.testing.LabKeycloak;
import com.strongroom.testing.LabSso;
import com.strongroom.testing.SharedKeycloak;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * Single sign-on end to end in headless Chromium: the appliance's start page, Keycloak's
 * Strongroom realm, the corporate SAML IdP's own login form, the signed SAML assertion back to
 * Keycloak's broker, the OIDC code flow back to the appliance, signed in with the role mapped from
 * the corporate group; then sign-out, which also ends the Keycloak session.
 */
@ExtendWith(SharedKeycloak.class)
class SamlBrowserSignInTest {
    @TempDir
    static Path dir;

    private static LabSso sso;

    @BeforeAll
    static void start(LabKeycloak keycloak) throws Exception {
        sso = LabSso.start(dir, keycloak, SamlBrowserSignInTest.class);
    }

    @AfterAll
    static void stop() throws Exception {
        if (sso != null) {
            sso.close();
        }
    }

    @Test
    void aCorporateAdmin_signsInThroughSaml_withTheMappedRole_andSignsOutEverywhere() throws Exception {
        try (LabBrowser browser = LabBrowser.start(dir)) {
            browser.signInThroughCorporateIdp(sso.applianceUrl, "alice", LabSso.password("alice"));
            assertEquals("admin", browser.driver.findElement(By.id("role")).getText());
            assertEquals("Alice Admin", browser.driver.findElement(By.id("who")).getText());
            assertTrue(browser.driver.getCurrentUrl().startsWith(sso.applianceUrl + "/"));
            Map<String, Object> session = browser.session();
            assertEquals("admin", session.get("role"));
            assertEquals("alice@corp.example", session.get("email"));
            // the session cookie is invisible to scripts (HttpOnly)
            assertFalse(String.valueOf(browser.js("return document.cookie")).contains("strongroom-session"));
            assertEquals(200L, browser.fetchStatus("GET", "/v1/api-keys", null, false), "admins manage keys");

            String audit = sso.appliance
                    .https()
                    .get("/v1/audit?action=auth.sign_in", sso.appliance.ownerKey())
                    .body();
            assertTrue(audit.contains("\"outcome\":\"success\"") && audit.contains("role admin"), audit);

            browser.driver.findElement(By.id("sign-out")).click();
            // Keycloak ends its session and sends the browser back to the start page
            browser.await(By.id("sign-in"));
            assertTrue(browser.driver.getCurrentUrl().startsWith(sso.applianceUrl + "/"));
            assertEquals(401L, browser.fetchStatus("GET", "/v1/datasets", null, false));

            // signing in again needs the login page: the Keycloak session is gone too
            browser.driver.findElement(By.id("sign-in")).click();
            browser.await(By.id("social-corporate"));
            assertTrue(browser.driver.getCurrentUrl().startsWith(sso.keycloak.issuer(sso.realm)));
        }
    }

    @Test
    void aUserWithoutAMappedGroup_getsTheDefaultViewerRole_andNoWriteControls() throws Exception {
        String created = sso.appliance
                .https()
                .post("/v1/datasets", sso.appliance.ownerKey(), "{\"name\":\"Board minutes\"}")
                .body();
        String id = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(created)
                .get("id")
                .asText();
        try (LabBrowser browser = LabBrowser.start(dir)) {
            browser.driver.get(sso.applianceUrl + "/");
            browser.await(By.id("sign-in"));
            browser.screenshot("sign-in", 1280);
            browser.signInThroughCorporateIdp(sso.applianceUrl, "victor", LabSso.password("victor"));
            assertEquals("viewer", browser.driver.findElement(By.id("role")).getText());
            browser.awaitText(By.id("datasets"), "Board minutes");
            assertTrue(browser.driver.findElements(By.id("create-dataset")).isEmpty(), "no create form for viewers");
            assertTrue(
                    browser.driver
                            .findElements(By.cssSelector("#datasets button"))
                            .isEmpty(),
                    "no rename/delete");
            assertTrue(browser.driver
                    .findElements(By.cssSelector("a[href='#/keys']"))
                    .isEmpty());
            browser.screenshot("datasets-viewer", 1280);
            browser.driver.get(sso.applianceUrl + "/#/datasets/" + id);
            browser.await(By.id("documents"));
            assertTrue(browser.driver.findElements(By.id("upload")).isEmpty(), "no upload for viewers");
            browser.driver.get(sso.applianceUrl + "/#/keys");
            browser.awaitText(By.tagName("main"), "cannot open this page");
            assertEquals(403L, browser.fetchStatus("DELETE", "/v1/datasets/" + id, null, true));
            // forced anyway, with a valid CSRF token: the API refuses
            assertEquals(403L, browser.fetchStatus("POST", "/v1/datasets", "{\"name\":\"forced\"}", true));
            assertEquals(403L, browser.fetchStatus("GET", "/v1/api-keys", null, false));
            // and without the CSRF token a write is refused before any role check
            assertEquals(403L, browser.fetchStatus("POST", "/v1/datasets", "{\"name\":\"forced\"}", false));
        }
    }
}
