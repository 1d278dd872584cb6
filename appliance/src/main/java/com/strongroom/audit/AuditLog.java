package com.strongroom.audit;

/** The one way every component writes the audit trail. */
public interface AuditLog {
    void record(AuditEvent event);
}
