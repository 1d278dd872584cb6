package com.strongroom.keys;

/**
 * A data-encryption key version's life: exactly one PRIMARY per purpose takes new writes; an
 * ENABLED version still protects data written before a rotation; a RETIRED one protects nothing
 * any more (the re-encryption pass found nothing under it) and may be destroyed; a DESTROYED one
 * is gone for good.
 */
public enum DekState {
    PRIMARY,
    ENABLED,
    RETIRED,
    DESTROYED
}
