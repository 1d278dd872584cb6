package com.strongroom.datasets;

import java.sql.SQLException;

/** Another active dataset of the organization has this name; the API answers 409. */
public final class DuplicateNameException extends RuntimeException {
    /** H2's code for a unique index violation. */
    private static final int DUPLICATE_KEY = 23505;

    public DuplicateNameException(String name) {
        super("a dataset named '" + name + "' already exists");
    }

    /**
     * For {@code throw ifDuplicate(e, name)}: throws this exception when {@code e} is a clash on
     * the active-name index, otherwise returns {@code e} for the caller to rethrow.
     */
    static SQLException ifDuplicate(SQLException e, String name) {
        if (e.getErrorCode() == DUPLICATE_KEY && String.valueOf(e.getMessage()).contains("DATASET_ACTIVE_NAME")) {
            throw new DuplicateNameException(name);
        }
        return e;
    }
}
