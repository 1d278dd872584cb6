package com.strongroom.sso;

import com.strongroom.auth.Role;
import com.strongroom.auth.Scopes;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.ClientResource;
import org.keycloak.admin.client.resource.IdentityProviderResource;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.ClientScopeRepresentation;
import org.keycloak.representations.idm.IdentityProviderMapperRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;
import org.keycloak.representations.idm.ProtocolMapperRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;

/**
 * Makes a Keycloak realm what the appliance needs, through keycloak-admin-client: the realm, the
 * four roles, the client scopes, the appliance's public OIDC client (authorization code with PKCE
 * S256 only, exact redirect URIs, an audience mapper), the default role, and a brokered SAML
 * identity provider with signature validation and attribute-to-role mappers. Safe to run again:
 * it changes only what differs and reports each change; a second run reports none.
 */
public final class RealmProvisioner {
    static final String AUDIENCE_MAPPER = "strongroom-audience";
    static final int ACCESS_TOKEN_SECONDS = 3600;

    private final Keycloak keycloak;
    private final SsoSettings settings;
    private final List<String> changes = new ArrayList<>();

    public RealmProvisioner(Keycloak keycloak, SsoSettings settings) {
        this.keycloak = keycloak;
        this.settings = settings;
    }

    /** Provisions and returns what changed, in order; empty when everything already matched. */
    public List<String> provision() {
        RealmResource realm = realm();
        roles(realm);
        Map<String, String> scopeIds = clientScopes(realm);
        client(realm, scopeIds);
        defaultRole(realm);
        if (settings.idp() != null) {
            identityProvider(realm, settings.idp());
        }
        return List.copyOf(changes);
    }

    private RealmResource realm() {
        String name = settings.realm();
        try {
            keycloak.realm(name).toRepresentation();
        } catch (NotFoundException e) {
            RealmRepresentation rep = new RealmRepresentation();
            rep.setRealm(name);
            rep.setEnabled(true);
            keycloak.realms().create(rep);
            changes.add("created realm " + name);
        }
        tokenPolicy(keycloak.realm(name));
        return keycloak.realm(name);
    }

    /**
     * One-hour access tokens; refresh tokens rotate (each one works once, a replayed one is refused
     * and ends the session), so a stolen refresh token is caught at its next use.
     */
    private void tokenPolicy(RealmResource realm) {
        RealmRepresentation rep = realm.toRepresentation();
        List<String> differ = new ArrayList<>();
        if (!Integer.valueOf(ACCESS_TOKEN_SECONDS).equals(rep.getAccessTokenLifespan())) {
            differ.add("accessTokenLifespan");
        }
        if (!Boolean.TRUE.equals(rep.getRevokeRefreshToken())) {
            differ.add("revokeRefreshToken");
        }
        if (!Integer.valueOf(0).equals(rep.getRefreshTokenMaxReuse())) {
            differ.add("refreshTokenMaxReuse");
        }
        if (!differ.isEmpty()) {
            RealmRepresentation update = new RealmRepresentation();
            update.setAccessTokenLifespan(ACCESS_TOKEN_SECONDS);
            update.setRevokeRefreshToken(true);
            update.setRefreshTokenMaxReuse(0);
            realm.update(update);
            if (!changes.contains("created realm " + settings.realm())) {
                changes.add("updated realm " + settings.realm() + ": " + String.join(", ", differ));
            }
        }
    }

    private void roles(RealmResource realm) {
        Set<String> existing = new HashSet<>();
        realm.roles().list().forEach(r -> existing.add(r.getName()));
        for (Role role : Role.ORGANIZATION_ROLES) {
            if (!existing.contains(role.wireName())) {
                realm.roles().create(new RoleRepresentation(role.wireName(), "Strongroom " + role.wireName(), false));
                changes.add("created role " + role.wireName());
            }
        }
    }

    private Map<String, String> clientScopes(RealmResource realm) {
        Map<String, String> ids = new HashMap<>();
        realm.clientScopes().findAll().forEach(s -> ids.put(s.getName(), s.getId()));
        for (String scope : Scopes.KNOWN) {
            if (!ids.containsKey(scope)) {
                ClientScopeRepresentation rep = new ClientScopeRepresentation();
                rep.setName(scope);
                rep.setProtocol("openid-connect");
                rep.setAttributes(Map.of("include.in.token.scope", "true", "display.on.consent.screen", "true"));
                try (Response r = realm.clientScopes().create(rep)) {
                    check(r, "client scope " + scope);
                }
                changes.add("created client scope " + scope);
            }
        }
        realm.clientScopes().findAll().forEach(s -> ids.put(s.getName(), s.getId()));
        return ids;
    }

    private void client(RealmResource realm, Map<String, String> scopeIds) {
        String clientId = settings.clientId();
        List<ClientRepresentation> found = realm.clients().findByClientId(clientId);
        if (found.isEmpty()) {
            ClientRepresentation rep = new ClientRepresentation();
            rep.setClientId(clientId);
            rep.setName("Strongroom");
            apply(rep);
            try (Response r = realm.clients().create(rep)) {
                check(r, "client " + clientId);
            }
            changes.add("created client " + clientId);
            found = realm.clients().findByClientId(clientId);
        } else {
            ClientRepresentation rep = found.getFirst();
            List<String> differences = differences(rep);
            if (!differences.isEmpty()) {
                apply(rep);
                realm.clients().get(rep.getId()).update(rep);
                changes.add("updated client " + clientId + ": " + String.join(", ", differences));
            }
        }
        ClientResource client = realm.clients().get(found.getFirst().getId());
        boolean hasAudience = client.getProtocolMappers().getMappers().stream()
                .anyMatch(m -> m.getName().equals(AUDIENCE_MAPPER));
        if (!hasAudience) {
            ProtocolMapperRepresentation mapper = new ProtocolMapperRepresentation();
            mapper.setName(AUDIENCE_MAPPER);
            mapper.setProtocol("openid-connect");
            mapper.setProtocolMapper("oidc-audience-mapper");
            mapper.setConfig(Map.of(
                    "included.client.audience", clientId, "access.token.claim", "true", "id.token.claim", "false"));
            try (Response r = client.getProtocolMappers().createMapper(mapper)) {
                check(r, "audience mapper");
            }
            changes.add("added audience mapper to client " + clientId);
        }
        Set<String> optional = new HashSet<>();
        client.getOptionalClientScopes().forEach(s -> optional.add(s.getName()));
        for (String scope : Scopes.KNOWN) {
            if (!optional.contains(scope)) {
                client.addOptionalClientScope(scopeIds.get(scope));
                changes.add("offered scope " + scope + " to client " + clientId);
            }
        }
    }

    /** The browser client: public, authorization code with PKCE S256 only, exact redirect URIs. */
    private void apply(ClientRepresentation rep) {
        rep.setEnabled(true);
        rep.setProtocol("openid-connect");
        rep.setPublicClient(true);
        rep.setStandardFlowEnabled(true);
        rep.setImplicitFlowEnabled(false);
        rep.setDirectAccessGrantsEnabled(false);
        rep.setServiceAccountsEnabled(false);
        rep.setRedirectUris(List.copyOf(settings.redirectUris()));
        rep.setWebOrigins(List.of("+"));
        Map<String, String> attributes =
                rep.getAttributes() == null ? new HashMap<>() : new HashMap<>(rep.getAttributes());
        attributes.put("pkce.code.challenge.method", "S256");
        attributes.put("post.logout.redirect.uris", postLogoutUris());
        rep.setAttributes(attributes);
    }

    /** After sign-out Keycloak may send the browser back to the appliance's start page only. */
    private String postLogoutUris() {
        return settings.redirectUris().stream()
                .map(u -> URI.create(u).resolve("/").toString())
                .distinct()
                .sorted()
                .collect(java.util.stream.Collectors.joining("##"));
    }

    private List<String> differences(ClientRepresentation rep) {
        List<String> d = new ArrayList<>();
        if (!Boolean.TRUE.equals(rep.isPublicClient())) {
            d.add("publicClient");
        }
        if (!Boolean.TRUE.equals(rep.isStandardFlowEnabled())) {
            d.add("standardFlowEnabled");
        }
        if (!Boolean.FALSE.equals(rep.isImplicitFlowEnabled())) {
            d.add("implicitFlowEnabled");
        }
        if (!Boolean.FALSE.equals(rep.isDirectAccessGrantsEnabled())) {
            d.add("directAccessGrantsEnabled");
        }
        if (!new HashSet<>(Objects.requireNonNullElse(rep.getRedirectUris(), List.<String>of()))
                .equals(new HashSet<>(settings.redirectUris()))) {
            d.add("redirectUris");
        }
        Map<String, String> attributes = Objects.requireNonNullElse(rep.getAttributes(), Map.of());
        if (!"S256".equals(attributes.get("pkce.code.challenge.method"))) {
            d.add("pkce.code.challenge.method");
        }
        if (!postLogoutUris().equals(attributes.get("post.logout.redirect.uris"))) {
            d.add("post.logout.redirect.uris");
        }
        return d;
    }

    private void defaultRole(RealmResource realm) {
        String composite = "default-roles-" + settings.realm();
        Set<String> present = new HashSet<>();
        realm.roles().get(composite).getRoleComposites().forEach(r -> present.add(r.getName()));
        for (Role role : Role.ORGANIZATION_ROLES) {
            boolean wanted = role == settings.defaultRole();
            if (wanted && !present.contains(role.wireName())) {
                realm.roles()
                        .get(composite)
                        .addComposites(
                                List.of(realm.roles().get(role.wireName()).toRepresentation()));
                changes.add("default role for new users: " + role.wireName());
            } else if (!wanted && present.contains(role.wireName())) {
                realm.roles()
                        .get(composite)
                        .deleteComposites(
                                List.of(realm.roles().get(role.wireName()).toRepresentation()));
                changes.add("no longer a default role: " + role.wireName());
            }
        }
    }

    private void identityProvider(RealmResource realm, SsoSettings.SamlIdp idp) {
        Map<String, Object> request = new HashMap<>();
        request.put("providerId", "saml");
        request.put("fromUrl", idp.metadataUrl().toString());
        Map<String, String> imported = realm.identityProviders().importFrom(request);
        Map<String, String> wanted = new HashMap<>(imported);
        wanted.put("validateSignature", "true");
        wanted.put("wantAssertionsSigned", "true");
        wanted.put("syncMode", "FORCE");
        IdentityProviderResource existing = realm.identityProviders().get(idp.alias());
        IdentityProviderRepresentation current = null;
        try {
            current = existing.toRepresentation();
        } catch (NotFoundException e) {
            // created below
        }
        if (current == null) {
            IdentityProviderRepresentation rep = new IdentityProviderRepresentation();
            rep.setAlias(idp.alias());
            rep.setDisplayName("Corporate sign-in");
            rep.setProviderId("saml");
            rep.setEnabled(true);
            rep.setTrustEmail(true);
            rep.setConfig(wanted);
            try (Response r = realm.identityProviders().create(rep)) {
                check(r, "identity provider " + idp.alias());
            }
            changes.add("created SAML identity provider " + idp.alias() + " from " + idp.metadataUrl());
        } else {
            List<String> differ = new ArrayList<>();
            for (Map.Entry<String, String> e : wanted.entrySet()) {
                if (!Objects.equals(current.getConfig().get(e.getKey()), e.getValue())) {
                    differ.add(e.getKey());
                }
            }
            if (!differ.isEmpty()) {
                Map<String, String> merged = new HashMap<>(current.getConfig());
                merged.putAll(wanted);
                current.setConfig(merged);
                existing.update(current);
                differ.sort(null);
                changes.add("updated SAML identity provider " + idp.alias() + ": " + String.join(", ", differ));
            }
        }
        Set<String> existingMappers = new HashSet<>();
        realm.identityProviders().get(idp.alias()).getMappers().forEach(m -> existingMappers.add(m.getName()));
        for (Map.Entry<String, Role> m : idp.roleMapping().entrySet()) {
            addMapper(
                    realm,
                    idp,
                    existingMappers,
                    "role " + m.getValue().wireName() + " from " + idp.roleAttribute() + "=" + m.getKey(),
                    "saml-role-idp-mapper",
                    Map.of(
                            "attribute.name", idp.roleAttribute(),
                            "attribute.value", m.getKey(),
                            "role", m.getValue().wireName()));
        }
        for (Map.Entry<String, String> a : new java.util.TreeMap<>(idp.profileAttributes()).entrySet()) {
            addMapper(
                    realm,
                    idp,
                    existingMappers,
                    "profile " + a.getKey() + " from " + a.getValue(),
                    "saml-user-attribute-idp-mapper",
                    Map.of("attribute.name", a.getValue(), "user.attribute", a.getKey()));
        }
    }

    /** Adds the IdP mapper {@code name} (sync mode FORCE) unless one of that name exists. */
    private void addMapper(
            RealmResource realm,
            SsoSettings.SamlIdp idp,
            Set<String> existing,
            String name,
            String type,
            Map<String, String> config) {
        if (existing.contains(name)) {
            return;
        }
        IdentityProviderMapperRepresentation mapper = new IdentityProviderMapperRepresentation();
        mapper.setName(name);
        mapper.setIdentityProviderAlias(idp.alias());
        mapper.setIdentityProviderMapper(type);
        Map<String, String> withSync = new HashMap<>(config);
        withSync.put("syncMode", "FORCE");
        mapper.setConfig(withSync);
        try (Response r = realm.identityProviders().get(idp.alias()).addMapper(mapper)) {
            check(r, "mapper " + name);
        }
        changes.add("added mapper: " + name);
    }

    private static void check(Response r, String what) {
        if (r.getStatus() / 100 != 2) {
            throw new IllegalStateException("Keycloak refused to create " + what + ": HTTP " + r.getStatus());
        }
    }
}
