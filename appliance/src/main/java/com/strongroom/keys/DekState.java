package com.strongroom.keys;

/** A data-encryption key version's life: exactly one PRIMARY per purpose takes new writes. */
public enum DekState {
    PRIMARY,
    ENABLED,
    DESTROYED
}
