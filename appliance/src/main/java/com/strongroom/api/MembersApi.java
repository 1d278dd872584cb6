package com.strongroom.api;

import com.strongroom.auth.Members;
import com.strongroom.auth.Principal;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * /v1/members: the people who have signed in to the organization through SSO and the role their
 * identity provider gave them. Roles are managed in the IdP's groups (mapped by `sso provision`).
 */
final class MembersApi implements HttpService {
    private final Members members;

    MembersApi(Members members) {
        this.members = members;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list);
    }

    private void list(ServerRequest req, ServerResponse res) throws SQLException {
        Principal p = AccessControl.caller(req);
        Paging paging = Paging.of(req);
        Members.Page page = members.list(p.organizationId(), paging.limit(), paging.offset());
        List<Map<String, Object>> items = page.items().stream()
                .map(m -> {
                    Map<String, Object> j = new LinkedHashMap<>();
                    j.put("user", m.userId());
                    j.put("object", "member");
                    j.put("name", m.name());
                    j.put("email", m.email());
                    j.put("role", m.role());
                    j.put("first_sign_in_at", m.firstSignInAt().toInstant().toString());
                    j.put("last_sign_in_at", m.lastSignInAt().toInstant().toString());
                    return j;
                })
                .toList();
        Json.send(res, Status.OK_200, DatasetJson.page(items, page.total(), paging.limit(), paging.offset()));
    }
}
