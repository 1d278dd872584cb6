package com.strongroom.keys;

/**
 * Components holding data (indexes, caches, the metadata store, the audit chain) follow the seal
 * state through this. Callbacks run on the key manager's thread, in registration order for
 * unseal and reverse order for seal, while DEKs are still readable (so a listener can flush).
 */
public interface SealListener {
    default void afterUnseal(KeyManager keys) {}

    default void beforeSeal(KeyManager keys, String reason) {}

    /** A new keyring was created under {@code kekLabel} (keys are still sealed at this point). */
    default void keyringInitialised(KeyManager keys, String kekLabel) {}

    /** Called once per distinct reason, not on every failed retry. */
    default void unsealFailed(KeyManager keys, String reason) {}
}
