package com.strongroom.auth;

import java.util.Locale;

/** Per-organization roles, each including the rights of the ones below it. */
public enum Role {
    VIEWER,
    DEVELOPER,
    ADMIN,
    OWNER;

    public boolean atLeast(Role other) {
        return compareTo(other) >= 0;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
