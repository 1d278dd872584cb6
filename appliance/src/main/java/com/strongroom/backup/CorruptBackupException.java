package com.strongroom.backup;

/** A backup object that is missing, altered or unreadable; the message names the object. */
public final class CorruptBackupException extends Exception {
    private final String object;

    public CorruptBackupException(String object, String problem) {
        super(object + " " + problem);
        this.object = object;
    }

    public String object() {
        return object;
    }
}
