package com.strongroom.keys;

import java.time.OffsetDateTime;

public record KekRecord(String label, boolean active, byte[] canary, OffsetDateTime createdAt) {}
