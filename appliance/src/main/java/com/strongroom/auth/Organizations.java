package com.strongroom.auth;

import com.strongroom.store.MetadataStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

public final class Organizations {
    private final MetadataStore metadata;

    public Organizations(MetadataStore metadata) {
        this.metadata = metadata;
    }

    public boolean any() throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM organization");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }

    /** The organization made first: the one the bootstrap created. */
    public Optional<String> first() throws SQLException {
        try (Connection c = metadata.db().connection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT id FROM organization ORDER BY created_at, id LIMIT 1");
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    public String create(String name) throws SQLException {
        String id = Ids.create("org");
        try (Connection c = metadata.db().connection();
                PreparedStatement ps =
                        c.prepareStatement("INSERT INTO organization (id, name, created_at) VALUES (?, ?, ?)")) {
            ps.setString(1, id);
            ps.setString(2, name);
            ps.setObject(3, OffsetDateTime.now(ZoneOffset.UTC));
            ps.executeUpdate();
        }
        return id;
    }
}
