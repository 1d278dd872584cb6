package com.strongroom.config;

/** A configuration value is missing or wrong; the message names the key. */
public final class InvalidConfigException extends RuntimeException {
    public InvalidConfigException(String key, String problem) {
        super("invalid configuration '" + key + "': " + problem);
    }
}
