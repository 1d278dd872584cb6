package com.strongroom.auth;

import com.strongroom.store.MetadataStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Who has signed in to an organization through SSO, and with which role last time. */
public final class Members {
    public record Member(
            String userId,
            String name,
            String email,
            String role,
            OffsetDateTime firstSignInAt,
            OffsetDateTime lastSignInAt) {}

    public record Page(List<Member> items, long total) {}

    private final MetadataStore metadata;

    public Members(MetadataStore metadata) {
        this.metadata = metadata;
    }

    public void signedIn(Principal p, String name, String email) throws SQLException {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("MERGE INTO member t USING (VALUES (?, ?)) s(o, u)"
                        + " ON t.organization_id = s.o AND t.user_id = s.u"
                        + " WHEN MATCHED THEN UPDATE SET name = ?, email = ?, role = ?, last_sign_in_at = ?"
                        + " WHEN NOT MATCHED THEN INSERT (organization_id, user_id, name, email, role,"
                        + " first_sign_in_at, last_sign_in_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            String n = clip(name, 200);
            String e = clip(email, 320);
            String role = p.role().wireName();
            Object[] values = {
                p.organizationId(), p.actorId(), n, e, role, now, p.organizationId(), p.actorId(), n, e, role, now, now
            };
            for (int i = 0; i < values.length; i++) {
                ps.setObject(i + 1, values[i]);
            }
            ps.executeUpdate();
        }
    }

    /** Most recent sign-in first. */
    public Page list(String organizationId, int limit, int offset) throws SQLException {
        try (Connection c = metadata.db().connection()) {
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM member WHERE organization_id = ?")) {
                ps.setString(1, organizationId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            List<Member> items = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT user_id, name, email, role, first_sign_in_at, last_sign_in_at FROM member"
                            + " WHERE organization_id = ? ORDER BY last_sign_in_at DESC, user_id LIMIT ? OFFSET ?")) {
                ps.setString(1, organizationId);
                ps.setInt(2, limit);
                ps.setInt(3, offset);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        items.add(new Member(
                                rs.getString(1),
                                rs.getString(2),
                                rs.getString(3),
                                rs.getString(4),
                                rs.getObject(5, OffsetDateTime.class),
                                rs.getObject(6, OffsetDateTime.class)));
                    }
                }
            }
            return new Page(items, total);
        }
    }

    private static String clip(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
