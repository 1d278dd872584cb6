package com.strongroom.datasets;

/**
 * The {@code quotas} section: how much one organization or dataset may hold, so that an operator
 * can size the appliance for its tenants. Defaults are the hosted product's.
 *
 * @param datasetsPerOrganization active datasets (not deleted) per organization (default 1,000)
 * @param documentsPerDataset documents not deleted per dataset (default 10,000)
 */
public record Quotas(int datasetsPerOrganization, int documentsPerDataset) {
    public static final Quotas DEFAULTS = new Quotas(1_000, 10_000);

    /**
     * Inside the caller's transaction: locks the owning row ({@code lockQuery}), then counts what
     * it holds ({@code countQuery}), so that two creates at once cannot both take the last place.
     * Both queries take {@code ownerId} as their one parameter.
     *
     * @throws QuotaExceededException when the count has reached {@code limit}
     */
    public static void requireRoom(
            java.sql.Connection c,
            String lockQuery,
            String countQuery,
            String ownerId,
            int limit,
            String quota,
            String message)
            throws java.sql.SQLException {
        try (java.sql.PreparedStatement lock = c.prepareStatement(lockQuery)) {
            lock.setString(1, ownerId);
            lock.executeQuery().close();
        }
        try (java.sql.PreparedStatement count = c.prepareStatement(countQuery)) {
            count.setString(1, ownerId);
            try (java.sql.ResultSet rs = count.executeQuery()) {
                rs.next();
                if (rs.getLong(1) >= limit) {
                    throw new QuotaExceededException(quota, limit, message);
                }
            }
        }
    }
}
