package com.strongroom.cli;

import com.strongroom.config.StrongroomConfig;
import com.strongroom.sso.RealmProvisioner;
import com.strongroom.sso.SsoSettings;
import jakarta.ws.rs.NotAuthorizedException;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(
        name = "provision",
        mixinStandardHelpOptions = true,
        description = {
            "Create or update the Keycloak realm for Strongroom: roles, client scopes, the appliance's OIDC client"
                    + " (PKCE S256), the default role, and the corporate SAML identity provider with its role mappers"
                    + " (configuration section sso).",
            "Safe to run again: prints each change, or 'nothing to change'."
        })
final class SsoProvisionCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        StrongroomConfig cfg = config.load();
        SsoSettings sso = cfg.sso();
        if (sso == null) {
            throw new IllegalStateException(
                    "configuration has no sso section (set sso.keycloak-url and the rest;" + " see docs/sso.md)");
        }
        String password = adminPassword(sso);
        try (Keycloak keycloak = KeycloakBuilder.builder()
                .serverUrl(sso.keycloakUrl().toString())
                .realm(sso.adminRealm())
                .clientId("admin-cli")
                .username(sso.adminUser())
                .password(password)
                .build()) {
            List<String> changes = new RealmProvisioner(keycloak, sso).provision();
            if (changes.isEmpty()) {
                out.println("realm " + sso.realm() + ": nothing to change");
            }
            for (String change : changes) {
                out.println("realm " + sso.realm() + ": " + change);
            }
            return 0;
        } catch (NotAuthorizedException e) {
            throw new IllegalStateException("Keycloak refused the administrator sign-in of '" + sso.adminUser()
                    + "' in realm " + sso.adminRealm() + "; check sso.admin-password-file");
        } catch (ProcessingException e) {
            // the admin client wraps a refused password grant (400/401 invalid_grant) in this too
            if (e.getCause() instanceof WebApplicationException refused
                    && (refused.getResponse().getStatus() == 400
                            || refused.getResponse().getStatus() == 401)) {
                throw new IllegalStateException("Keycloak refused the administrator sign-in of '" + sso.adminUser()
                        + "' in realm " + sso.adminRealm() + "; check sso.admin-password-file");
            }
            throw new IllegalStateException("cannot reach Keycloak at " + sso.keycloakUrl() + ": "
                    + (e.getCause() != null
                            ? e.getCause().getClass().getSimpleName()
                            : e.getClass().getSimpleName()));
        } catch (WebApplicationException e) {
            throw new IllegalStateException("Keycloak answered HTTP "
                    + e.getResponse().getStatus() + " while provisioning realm " + sso.realm());
        }
    }

    private static String adminPassword(SsoSettings sso) throws IOException {
        if (!Files.isReadable(sso.adminPasswordFile())) {
            throw new IllegalStateException("cannot read sso.admin-password-file " + sso.adminPasswordFile());
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(sso.adminPasswordFile());
        if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ)) {
            throw new IllegalStateException("sso.admin-password-file " + sso.adminPasswordFile()
                    + " is readable by group or others; chmod 600 it");
        }
        return Files.readString(sso.adminPasswordFile()).strip();
    }
}
