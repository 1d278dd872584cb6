package com.strongroom.keys;

import com.strongroom.crypto.SecretKeyBytes;

/** A DEK in memory with the version that must be stored next to what it protects. */
public record VersionedKey(String purpose, int version, SecretKeyBytes key) {}
