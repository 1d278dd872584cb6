package com.strongroom.auth;

import java.util.Set;

/** Who is calling: an API key (for now) acting inside exactly one organization. */
public record Principal(String actorId, String organizationId, Role role, Set<String> scopes) {}
