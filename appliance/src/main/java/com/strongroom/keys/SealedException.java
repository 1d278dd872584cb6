package com.strongroom.keys;

/** The appliance is sealed: no key material is available until the HSM is reachable again. */
public final class SealedException extends RuntimeException {
    public SealedException() {
        super("sealed: the key-encryption key in the HSM is not reachable");
    }
}
