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
 * {@link #corpRealm} plays the corporate SAML 2.0 identity provider with its own users and groups,
 * the realm {@link #realm} made by the product's own `sso provision` brokering it, and an appliance
 * that accepts the realm's tokens and signs browsers in through it.
 *
 * <p>The Keycloak is the run's shared one ({@link SharedKeycloak}): the realms are the quick
 * start's demo realms {@code corp} and {@code strongroom} under names of the test class's own, and
 * {@link #close} stops only the appliance.
 *
 * <p>Corporate users: {@code alice} (group strongroom-admins, so admin), {@code dave} (group
 * strongroom-devs, so developer), {@code victor} (no group, so the default role viewer). Each one's
 * password is {@link #password}.
 */
public final class LabSso implements AutoCloseable {
    public final LabKeycloak keycloak;
    /** The realm the appliance's users sign in to (the demo's {@code strongroom}). */
    public final String realm;
    /** The corporate IdP's realm (the demo's {@code corp}). */
    public final String corpRealm;

    public final LabAppliance appliance;
    public final String applianceUrl;

    private LabSso(LabKeycloak keycloak, Realms realms, LabAppliance appliance, String applianceUrl) {
        this.keycloak = keycloak;
        this.realm = realms.strongroom();
        this.corpRealm = realms.corp();
        this.appliance = appliance;
        this.applianceUrl = applianceUrl;
    }

    private record Realms(String strongroom, String corp) {}

    public static String password(String user) {
        return user + "-Corp-Pass-7";
    }

    /** Sets up {@code owner}'s realms in the shared {@code keycloak} and starts an appliance on them. */
    public static LabSso start(Path dir, LabKeycloak keycloak, Class<?> owner) throws Exception {
        Files.createDirectories(dir.resolve("app"));
        Realms realms = new Realms(SharedKeycloak.realm("strongroom", owner), SharedKeycloak.realm("corp", owner));
        int port = LabAppliance.portOutsideEphemeralRange();
        String applianceUrl = "https://127.0.0.1:" + port;
        corporateRealm(keycloak, realms);
        provision(keycloak, realms, dir, applianceUrl);
        LabAppliance appliance = LabAppliance.startOnPort(
                dir.resolve("app"),
                "oauth:\n  issuer: " + keycloak.issuer(realms.strongroom()) + "\n  redirect-uri: " + applianceUrl
                        + "/auth/callback\n",
                port);
        return new LabSso(keycloak, realms, appliance, applianceUrl);
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

    /**
     * {@code text} with every {@code from} replaced: how the demo's fixed realm names become this
     * class's. Fails if {@code from} is not there, so a changed demo file cannot leave a test on a
     * realm that another class shares.
     */
    private static String rename(String text, String from, String to, String name) {
        if (!text.contains(from)) {
            throw new AssertionError("no " + from + " in " + name + " to rename");
        }
        return text.replace(from, to);
    }

    /** The corporate IdP: users in groups, and a SAML client for the Strongroom realm's broker. */
    private static void corporateRealm(LabKeycloak kc, Realms realms) throws Exception {
        String json = template(
                "corp-realm.json",
                Map.of(
                        "KEYCLOAK_URL", kc.url(),
                        "ALICE_PASSWORD", password("alice"),
                        "DAVE_PASSWORD", password("dave"),
                        "VICTOR_PASSWORD", password("victor")));
        json = rename(json, "\"realm\": \"corp\"", "\"realm\": \"" + realms.corp() + "\"", "corp-realm.json");
        // the SAML client is the strongroom realm's broker: its entity id and endpoints name that realm
        json = rename(json, "/realms/strongroom/", "/realms/" + realms.strongroom() + "/", "corp-realm.json");
        json = rename(json, "/realms/strongroom\"", "/realms/" + realms.strongroom() + "\"", "corp-realm.json");
        kc.admin("POST", "", json);
    }

    /** The product's own provisioning, as an operator runs it. */
    private static void provision(LabKeycloak kc, Realms realms, Path dir, String applianceUrl) throws Exception {
        Path password = kc.writeAdminPassword(dir.resolve("kc-admin.pw"));
        Path config = dir.resolve("sso.yaml");
        String yaml = template(
                "sso.yaml",
                Map.of(
                        "KEYCLOAK_URL", kc.url(),
                        "ADMIN_PASSWORD_FILE", password.toString(),
                        "APPLIANCE_URL", applianceUrl));
        // sso.realm names the realm `sso provision` makes; the IdP's metadata comes from the corp realm
        yaml = rename(yaml, "\n  realm: strongroom\n", "\n  realm: " + realms.strongroom() + "\n", "sso.yaml");
        yaml = rename(yaml, "/realms/corp/", "/realms/" + realms.corp() + "/", "sso.yaml");
        Files.writeString(config, yaml);
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

    /** Stops the appliance; the shared Keycloak stays up for the other classes. */
    @Override
    public void close() throws Exception {
        appliance.close();
    }
}
