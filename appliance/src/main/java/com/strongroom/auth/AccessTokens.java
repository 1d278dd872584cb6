package com.strongroom.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.strongroom.config.StrongroomConfig;
import java.net.MalformedURLException;
import java.sql.SQLException;
import java.text.ParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * OAuth 2.1 bearer access tokens issued by the customer's Keycloak realm: the RS256 signature is
 * checked against the realm's published keys (fetched and cached by nimbus-jose-jwt), then issuer,
 * audience, expiry and not-before (with the configured clock skew). The caller's role is the
 * highest Strongroom realm role in the token; its scopes are the Strongroom scopes it was granted.
 */
public final class AccessTokens {
    private static final Logger LOG = Logger.getLogger(AccessTokens.class.getName());

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final String configuredOrganization;
    private final Organizations organizations;
    private volatile String organization;

    public AccessTokens(StrongroomConfig.OAuth config, Organizations organizations) {
        this.configuredOrganization = config.organization();
        this.organizations = organizations;
        JWKSource<SecurityContext> keys;
        try {
            keys = JWKSourceBuilder.create(config.jwksUrl().toURL())
                    .retrying(true)
                    .build();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("oauth.jwks-url is not a URL: " + config.jwksUrl(), e);
        }
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                config.audience(),
                new JWTClaimsSet.Builder().issuer(config.issuer().toString()).build(),
                Set.of("sub", "exp", "iat"));
        claims.setMaxClockSkew((int) config.clockSkew().toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
    }

    /** Whether {@code bearer} looks like a JWT rather than an API key (three base64url parts). */
    public static boolean looksLikeToken(String bearer) {
        return !bearer.startsWith("sr_") && bearer.chars().filter(c -> c == '.').count() == 2;
    }

    /**
     * The caller a valid token stands for; empty for anything invalid (the reason goes to the log
     * at FINE: a client learns only that its token was refused).
     *
     * @throws NoRoleException when the token is valid but carries no Strongroom role
     */
    public Optional<Principal> authenticate(String token) throws SQLException {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException | BadJOSEException | JOSEException e) {
            LOG.log(Level.FINE, "access token refused: " + e.getMessage());
            return Optional.empty();
        }
        Object typ = claims.getClaim("typ");
        if (typ != null && !"Bearer".equals(typ)) {
            // an ID or refresh token of the same realm and audience is not an access token
            LOG.log(Level.FINE, "access token refused: typ " + typ);
            return Optional.empty();
        }
        Role role = highestRole(claims);
        if (role == null) {
            throw new NoRoleException();
        }
        Set<String> scopes = new HashSet<>();
        Object scope = claims.getClaim("scope");
        if (scope instanceof String s) {
            for (String granted : s.split(" ")) {
                if (Scopes.KNOWN.contains(granted)) {
                    scopes.add(granted);
                }
            }
        }
        return Optional.of(new Principal("user:" + claims.getSubject(), organization(), role, Set.copyOf(scopes)));
    }

    private static Role highestRole(JWTClaimsSet claims) {
        Object realmAccess = claims.getClaim("realm_access");
        if (!(realmAccess instanceof Map<?, ?> access) || !(access.get("roles") instanceof List<?> roles)) {
            return null;
        }
        Role best = null;
        // an identity provider never makes an appliance operator, whatever role names it sends
        for (Role r : Role.ORGANIZATION_ROLES) {
            if (roles.contains(r.wireName())) {
                best = r; // Role lists the weakest first
            }
        }
        return best;
    }

    private String organization() throws SQLException {
        if (configuredOrganization != null) {
            return configuredOrganization;
        }
        String known = organization;
        if (known == null) {
            known = organizations.first().orElseThrow(() -> new IllegalStateException("no organization exists yet"));
            organization = known;
        }
        return known;
    }

    /** A valid token of a user who holds none of the four roles. */
    public static final class NoRoleException extends RuntimeException {
        NoRoleException() {
            super("Your account has no Strongroom role; ask an administrator to grant one.");
        }
    }
}
