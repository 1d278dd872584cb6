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
        List<DekUsage> usage) {}
