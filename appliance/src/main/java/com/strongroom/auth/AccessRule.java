package com.strongroom.auth;

import java.util.List;

/**
 * Who may call one endpoint: at least {@code role}, holding {@code scope} (or {@link Scopes#ALL}).
 * A {@code scope} of {@link Scopes#ALL} admits only unrestricted credentials.
 *
 * @param path the route as registered, with {@code {name}} for a path parameter
 */
public record AccessRule(String method, String path, Role role, String scope) {

    /** Whether {@code method} and the concrete {@code requestPath} are this route. */
    boolean matches(String method, List<String> requestSegments) {
        if (!this.method.equals(method)) {
            return false;
        }
        List<String> segments = AccessPolicy.segments(path);
        if (segments.size() != requestSegments.size()) {
            return false;
        }
        for (int i = 0; i < segments.size(); i++) {
            String s = segments.get(i);
            if (!(s.startsWith("{") && s.endsWith("}")) && !s.equals(requestSegments.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Why {@code principal} may not call this endpoint, or null when it may. */
    public Denial check(Principal principal) {
        if (!principal.role().atLeast(role)) {
            return Denial.ROLE;
        }
        if (!principal.scopes().contains(Scopes.ALL) && !principal.scopes().contains(scope)) {
            return Denial.SCOPE;
        }
        return null;
    }

    public enum Denial {
        ROLE,
        SCOPE
    }
}
