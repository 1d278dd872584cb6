package com.strongroom.sso;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.auth.Scopes;
import com.strongroom.cli.Cli;
import com.strongroom.testing.LabHsm;
import com.strongroom.testing.LabKeycloak;
import com.strongroom.testing.SharedKeycloak;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * `sso provision` against a real Keycloak, in which a second realm plays the corporate SAML
 * identity provider: what it creates, that a second run changes nothing, that a configuration
 * change is applied and reported alone, and that a wrong administrator password fails clearly.
 * Both realms are this class's own in the run's shared Keycloak, the provisioned one named by
 * {@code sso.realm}.
 */
@ExtendWith(SharedKeycloak.class)
class SsoProvisionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REALM = SharedKeycloak.realm("strongroom", SsoProvisionTest.class);
    private static final String CORP = SharedKeycloak.realm("corp", SsoProvisionTest.class);

    @TempDir
    static Path dir;

    private static LabKeycloak keycloak;
    private static Path passwordFile;

    @BeforeAll
    static void start(LabKeycloak shared) throws Exception {
        keycloak = shared;
        keycloak.admin("POST", "", "{\"realm\":\"" + CORP + "\",\"enabled\":true}");
        passwordFile = keycloak.writeAdminPassword(dir.resolve("kc-admin.pw"));
    }

    private record Run(int exit, String out, String err) {}

    private static Run provision(String redirect, Path password) throws Exception {
        Path config = dir.resolve("sso-" + System.nanoTime() + ".yaml");
        Files.writeString(
                config,
                """
                sso:
                  keycloak-url: %s
                  admin-user: admin
                  admin-password-file: %s
                  realm: %s
                  client-id: strongroom
                  redirect-uris: ["%s"]
                  default-role: viewer
                  idp:
                    alias: corporate
                    metadata-url: %s/protocol/saml/descriptor
                    role-attribute: groups
                    role-mapping: ["strongroom-admins=admin", "strongroom-devs=developer"]
                """
                        .formatted(keycloak.url(), password, REALM, redirect, keycloak.issuer(CORP)));
        CommandLine cli = Cli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("sso", "provision", "--config", config.toString());
        return new Run(exit, out.toString(), err.toString());
    }

    private static JsonNode get(String path) throws Exception {
        return JSON.readTree(keycloak.admin("GET", path, null));
    }

    @Test
    void createsTheRealm_thenChangesNothing_thenOnlyWhatTheConfigurationChanged() throws Exception {
        Run first = provision("https://search.example.internal/auth/callback", passwordFile);
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().contains("created realm " + REALM), first.out());
        assertTrue(first.out().contains("created SAML identity provider corporate"), first.out());

        JsonNode realmRep = get("/" + REALM);
        assertEquals(3600, realmRep.get("accessTokenLifespan").asInt(), "1-hour access tokens");
        assertTrue(realmRep.get("revokeRefreshToken").asBoolean(), "refresh tokens rotate");
        assertEquals(0, realmRep.get("refreshTokenMaxReuse").asInt());
        Set<String> roles = new HashSet<>();
        get("/" + REALM + "/roles").forEach(r -> roles.add(r.get("name").asText()));
        assertTrue(roles.containsAll(Set.of("owner", "admin", "developer", "viewer")), roles.toString());
        Set<String> scopes = new HashSet<>();
        get("/" + REALM + "/client-scopes")
                .forEach(sc -> scopes.add(sc.get("name").asText()));
        assertTrue(scopes.containsAll(Scopes.KNOWN), scopes.toString());

        JsonNode client = get("/" + REALM + "/clients?clientId=strongroom").get(0);
        assertTrue(client.get("publicClient").asBoolean());
        assertTrue(client.get("standardFlowEnabled").asBoolean());
        assertFalse(client.get("implicitFlowEnabled").asBoolean());
        assertFalse(client.get("directAccessGrantsEnabled").asBoolean());
        assertEquals(
                "[\"https://search.example.internal/auth/callback\"]",
                client.get("redirectUris").toString());
        assertEquals("S256", client.at("/attributes/pkce.code.challenge.method").asText());
        Set<String> optional = new HashSet<>();
        get("/" + REALM + "/clients/" + client.get("id").asText() + "/optional-client-scopes")
                .forEach(sc -> optional.add(sc.get("name").asText()));
        assertTrue(optional.containsAll(Scopes.KNOWN), optional.toString());

        JsonNode idp = get("/" + REALM + "/identity-provider/instances/corporate");
        assertEquals("saml", idp.get("providerId").asText());
        assertEquals("true", idp.at("/config/validateSignature").asText());
        assertTrue(idp.at("/config/signingCertificate").asText().length() > 100, "the corp realm's certificate");
        assertTrue(idp.at("/config/singleSignOnServiceUrl").asText().contains("/realms/" + CORP + "/protocol/saml"));
        JsonNode mappers = get("/" + REALM + "/identity-provider/instances/corporate/mappers");
        assertEquals(5, mappers.size(), mappers.toString()); // two roles, email, first and last name
        Set<String> defaults = new HashSet<>();
        get("/" + REALM + "/roles/default-roles-" + REALM + "/composites")
                .forEach(r -> defaults.add(r.get("name").asText()));
        assertTrue(defaults.contains("viewer"), defaults.toString());

        Run second = provision("https://search.example.internal/auth/callback", passwordFile);
        assertEquals(0, second.exit(), second.err());
        assertEquals("realm " + REALM + ": nothing to change", second.out().strip());

        Run third = provision("https://search2.example.internal/auth/callback", passwordFile);
        assertEquals(0, third.exit(), third.err());
        assertEquals(
                "realm " + REALM + ": updated client strongroom: redirectUris, post.logout.redirect.uris",
                third.out().strip());
        assertEquals(
                List.of("https://search2.example.internal/auth/callback"),
                JSON.convertValue(
                        get("/" + REALM + "/clients?clientId=strongroom").get(0).get("redirectUris"), List.class));
    }

    @Test
    void aWrongAdministratorPassword_failsClearly_withoutShowingIt() throws Exception {
        Path wrong = LabHsm.writeSecret(dir.resolve("wrong.pw"), "not-the-password-42");
        Run run = provision("https://search.example.internal/auth/callback", wrong);
        assertNotEquals(0, run.exit());
        assertTrue(run.err().contains("refused the administrator sign-in"), run.err());
        assertFalse(run.err().contains("not-the-password-42") || run.out().contains("not-the-password-42"));
        String cmdline = Files.readString(Path.of("/proc/" + keycloak.pid() + "/cmdline"));
        assertFalse(
                cmdline.contains(Files.readString(passwordFile).strip()),
                "the admin password is not on a command line");
    }
}
