package com.strongroom.keys;

/** SEALED: no key material in memory, data closed. UNSEALED: KEK reachable, DEKs in memory. */
public enum SealState {
    SEALED,
    UNSEALED
}
