package com.strongroom.audit;

/** A stored entry: the event plus its place in the chain. {@code mac} is null while pending. */
public record AuditRecord(long seq, AuditEvent event, Integer keyVersion, byte[] mac) {
    public boolean pending() {
        return mac == null;
    }
}
