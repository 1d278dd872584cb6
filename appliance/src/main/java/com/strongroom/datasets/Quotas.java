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
}
