package com.strongroom.testing;

import com.strongroom.cli.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;

/**
 * Single sign-on as an enterprise runs it, on loopback: a real Keycloak in which the realm
 * {@code corp} plays the corporate SAML 2.0 identity provider with its own users and groups, the
 * realm {@code strongroom} made by the product's own `sso provision` brokering it, and an appliance
 * that accepts the realm's tokens and signs browsers in through it.
 *
 * <p>Corporate users: {@code alice} (group strongroom-admins, so admin), {@code dave} (group
 * strongroom-devs, so developer), {@code victor} (no group, so the default role viewer). Each one's
 * password is {@link #password}.
 */
public final class LabSso implements AutoCloseable {
    public final LabKeycloak keycloak;
    public final LabAppliance appliance;
    public final String applianceUrl;

    private LabSso(LabKeycloak keycloak, LabAppliance appliance, String applianceUrl) {
        this.keycloak = keycloak;
        this.appliance = appliance;
        this.applianceUrl = applianceUrl;
    }

    public static String password(String user) {
        return user + "-Corp-Pass-7";
    }

    public static LabSso start(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("kc"));
        Files.createDirectories(dir.resolve("app"));
        LabKeycloak keycloak = LabKeycloak.start(dir.resolve("kc"));
        LabAppliance appliance = null;
        try {
            int port = LabAppliance.portOutsideEphemeralRange();
            String applianceUrl = "https://127.0.0.1:" + port;
            corporateRealm(keycloak);
            provision(keycloak, dir, applianceUrl);
            appliance = LabAppliance.startOnPort(
                    dir.resolve("app"),
                    "oauth:\n  issuer: " + keycloak.issuer("strongroom") + "\n  redirect-uri: " + applianceUrl
                            + "/auth/callback\n",
                    port);
            return new LabSso(keycloak, appliance, applianceUrl);
        } catch (Exception | AssertionError e) {
            if (appliance != null) {
                appliance.close();
            }
            keycloak.close();
            throw e;
        }
    }

    /** The quick start's demo files (installer/sso-demo), so the test signs in through exactly those. */
    private static String template(String name, Map<String, String> values) throws Exception {
        String text = Files.readString(Path.of("..", "installer", "sso-demo", name));
        for (Map.Entry<String, String> v : values.entrySet()) {
            text = text.replace("@" + v.getKey() + "@", v.getValue());
        }
        java.util.regex.Matcher left =
                java.util.regex.Pattern.compile("@[A-Z_]+@").matcher(text);
        if (left.find()) {
            throw new AssertionError("unfilled placeholder " + left.group() + " in " + name);
        }
        return text;
    }

    /** The corporate IdP: users in groups, and a SAML client for the Strongroom realm's broker. */
    private static void corporateRealm(LabKeycloak kc) throws Exception {
        kc.admin(
                "POST",
                "",
                template(
                        "corp-realm.json",
                        Map.of(
                                "KEYCLOAK_URL", kc.url(),
                                "ALICE_PASSWORD", password("alice"),
                                "DAVE_PASSWORD", password("dave"),
                                "VICTOR_PASSWORD", password("victor"))));
    }

    /** The product's own provisioning, as an operator runs it. */
    private static void provision(LabKeycloak kc, Path dir, String applianceUrl) throws Exception {
        Path password = kc.writeAdminPassword(dir.resolve("kc-admin.pw"));
        Path config = dir.resolve("sso.yaml");
        Files.writeString(
                config,
                template(
                        "sso.yaml",
                        Map.of(
                                "KEYCLOAK_URL", kc.url(),
                                "ADMIN_PASSWORD_FILE", password.toString(),
                                "APPLIANCE_URL", applianceUrl)));
        CommandLine cli = Cli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("sso", "provision", "--config", config.toString());
        if (exit != 0) {
            throw new AssertionError("sso provision failed: " + err + out);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            appliance.close();
        } finally {
            keycloak.close();
        }
    }
}
