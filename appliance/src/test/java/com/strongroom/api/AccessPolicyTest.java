package com.strongroom.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.strongroom.auth.AccessPolicy;
import com.strongroom.auth.AccessRule;
import com.strongroom.auth.Scopes;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The policy decides every registered route: none is forgotten, none is made up. */
class AccessPolicyTest {
    @Test
    void everyRegisteredRoute_isPublicOrHasExactlyOneRule() throws Exception {
        TreeSet<String> registered = OpenApiTest.registered();
        TreeSet<String> decided = new TreeSet<>(AccessPolicy.PUBLIC);
        for (AccessRule rule : AccessPolicy.RULES) {
            assertTrue(decided.add(rule.method() + " " + rule.path()), "two rules for " + rule);
            assertTrue(Scopes.isKnown(rule.scope()), "unknown scope in " + rule);
        }
        assertEquals(registered, decided);
    }

    /**
     * The design's matrix, written out independently of the code: viewers read and query,
     * developers also create and upload, admins also delete datasets and manage webhooks, and only
     * unrestricted admin credentials manage keys.
     */
    private static final String MATRIX =
            """
            POST /v1/datasets developer datasets:write
            GET /v1/datasets viewer datasets:read
            GET /v1/datasets/{id} viewer datasets:read
            PATCH /v1/datasets/{id} developer datasets:write
            DELETE /v1/datasets/{id} admin datasets:delete
            POST /v1/datasets/{id}/restore admin datasets:delete
            POST /v1/datasets/{id}/query viewer datasets:read
            POST /v1/datasets/{id}/documents developer documents:write
            GET /v1/datasets/{id}/documents viewer documents:read
            GET /v1/datasets/{id}/documents/{doc_id} viewer documents:read
            DELETE /v1/datasets/{id}/documents/{doc_id} developer documents:delete
            POST /v1/datasets/{id}/documents/{doc_id}/retry developer documents:write
            POST /v1/webhooks admin webhooks:manage
            GET /v1/webhooks admin webhooks:manage
            GET /v1/webhooks/{id} admin webhooks:manage
            DELETE /v1/webhooks/{id} admin webhooks:manage
            POST /v1/api-keys admin *
            GET /v1/api-keys admin *
            GET /v1/api-keys/{id} admin *
            DELETE /v1/api-keys/{id} admin *
            POST /v1/mcp viewer mcp:query
            GET /v1/mcp viewer mcp:query
            DELETE /v1/mcp viewer mcp:query
            POST /v1/mcp/query viewer mcp:query
            GET /v1/audit admin *
            GET /v1/members admin account:read
            GET /v1/system/backups operator *
            GET /v1/system/keys operator *
            POST /v1/system/keys/rotate operator *
            """;

    @Test
    void thePolicy_isTheDesignsMatrix() {
        TreeSet<String> expected = new TreeSet<>(MATRIX.lines().toList());
        TreeSet<String> actual = new TreeSet<>();
        for (AccessRule rule : AccessPolicy.RULES) {
            actual.add(rule.method() + " " + rule.path() + " " + rule.role().wireName() + " " + rule.scope());
        }
        assertEquals(expected, actual);
    }

    @Test
    void concretePaths_findTheirRule() {
        assertEquals(
                "/v1/datasets/{id}/documents/{doc_id}",
                AccessPolicy.ruleFor("DELETE", "/v1/datasets/ds_1/documents/doc_2")
                        .orElseThrow()
                        .path());
        assertEquals(
                "/v1/datasets",
                AccessPolicy.ruleFor("GET", "/v1/datasets").orElseThrow().path());
        assertTrue(AccessPolicy.ruleFor("PUT", "/v1/datasets").isEmpty());
        assertTrue(AccessPolicy.ruleFor("GET", "/v1/datasets/ds_1/documents/doc_2/more")
                .isEmpty());
    }
}
