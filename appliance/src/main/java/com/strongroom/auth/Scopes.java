package com.strongroom.auth;

import java.util.List;
import java.util.Set;

/** What a credential may be limited to; a key with {@link #ALL} holds every scope its role allows. */
public final class Scopes {
    public static final String ALL = "*";

    /** The scopes of the hosted product's API, in the order the documentation lists them. */
    public static final List<String> KNOWN = List.of(
            "datasets:read",
            "datasets:write",
            "datasets:delete",
            "documents:read",
            "documents:write",
            "documents:delete",
            "mcp:query",
            "webhooks:manage",
            "account:read");

    private Scopes() {}

    public static boolean isKnown(String scope) {
        return ALL.equals(scope) || KNOWN.contains(scope);
    }

    /** Whether a holder of {@code held} may hand out {@code wanted}: never more than it has. */
    public static boolean covers(Set<String> held, Set<String> wanted) {
        return held.contains(ALL) || (!wanted.contains(ALL) && held.containsAll(wanted));
    }
}
