package com.strongroom.sso;

import com.strongroom.auth.Role;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What `sso provision` sets up in Keycloak (configuration section {@code sso}).
 *
 * @param keycloakUrl the Keycloak server, e.g. https://sso.example.internal
 * @param adminRealm the realm the administrator signs in to (usually master)
 * @param adminUser an administrator allowed to manage {@code realm}
 * @param adminPasswordFile that administrator's password, in a file (never in configuration)
 * @param realm the realm the appliance's users sign in to
 * @param clientId the appliance's OIDC client, also the audience of its access tokens
 * @param redirectUris the exact URIs the browser may return to after sign-in
 * @param defaultRole the role of users no mapping gives one; null for none
 * @param idp the corporate SAML identity provider to broker, or null
 */
public record SsoSettings(
        URI keycloakUrl,
        String adminRealm,
        String adminUser,
        Path adminPasswordFile,
        String realm,
        String clientId,
        List<String> redirectUris,
        Role defaultRole,
        SamlIdp idp) {

    /**
     * @param metadataUrl where Keycloak fetches the IdP's SAML metadata (entity id, endpoints,
     *     signing certificate)
     * @param roleAttribute the SAML attribute whose values map to roles (e.g. groups)
     * @param roleMapping attribute value to role, e.g. strongroom-admins to admin
     * @param profileAttributes Keycloak user attribute (email, firstName, lastName) to the SAML
     *     attribute that carries it, so a first sign-in needs no profile form
     */
    public record SamlIdp(
            String alias,
            URI metadataUrl,
            String roleAttribute,
            Map<String, Role> roleMapping,
            Map<String, String> profileAttributes) {}
}
