package com.strongroom.search;

/**
 * The dataset's index exists but cannot be read: its files fail authentication (tampered with or
 * damaged) or Lucene rejects them. The API answers 500 {@code dataset_unreadable}; other datasets
 * are not affected.
 */
public class DatasetUnreadableException extends RuntimeException {
    private final String datasetId;

    public DatasetUnreadableException(String datasetId) {
        super("The dataset's index cannot be read: its files are damaged or were changed outside the appliance;"
                + " the operator must restore it from a backup.");
        this.datasetId = datasetId;
    }

    public String datasetId() {
        return datasetId;
    }
}
