package com.strongroom.search;

/** No index exists for the dataset id; the API answers 404 {@code dataset_not_found}. */
public class UnknownDatasetException extends RuntimeException {
    public UnknownDatasetException(String datasetId) {
        super("dataset " + datasetId + " has no index");
    }
}
