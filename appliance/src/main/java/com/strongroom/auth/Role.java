package com.strongroom.auth;

import java.util.List;
import java.util.Locale;

/**
 * Roles, each including the rights of the ones below it. The first four are per-organization;
 * {@link #OPERATOR} runs the appliance itself (key rotations, backups) and is never given by
 * SSO or by the API: only the host's bootstrap file and {@code strongroom keys grant-operator}.
 */
public enum Role {
    VIEWER,
    DEVELOPER,
    ADMIN,
    OWNER,
    OPERATOR;

    /** The roles an organization's people and API calls can hand out: everything but operator. */
    public static final List<Role> ORGANIZATION_ROLES = List.of(VIEWER, DEVELOPER, ADMIN, OWNER);

    public boolean atLeast(Role other) {
        return compareTo(other) >= 0;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
