package com.strongroom.keys;

import java.util.List;

/** What `keys status` and GET /v1/system/keys report: labels, versions and states, no key material. */
public record KeyStatus(
        SealState state,
        String sealedReason,
        String tokenLabel,
        String activeKekLabel,
        List<KekRecord> keks,
        List<DekRecord> deks,
        List<DekUsage> usage) {

    /** What the re-encryption pass last found under {@code dek}'s version, if it has looked. */
    public java.util.Optional<DekUsage> usageOf(DekRecord dek) {
        return usage.stream()
                .filter(u -> u.purpose().equals(dek.purpose()) && u.version() == dek.version())
                .findFirst();
    }
}
