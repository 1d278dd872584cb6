package com.strongroom.backup;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Applies a target's retention after each snapshot: snapshots older than its snapshot retention
 * go, those older than {@code thinAfter} are thinned to the newest of each day, the newest one
 * always stays; journal segments older than the journal retention go; then every object no
 * remaining manifest or its row pages name (and older than an hour, so a snapshot being written
 * is safe) goes. A page that cannot be read stops the sweep: what it names is unknown.
 */
final class TargetRetention {
    private static final Logger LOG = Logger.getLogger(TargetRetention.class.getName());
    private static final Duration OBJECT_GRACE = Duration.ofHours(1);

    /** What a sweep removed. */
    record Sweep(int snapshots, int segments, int objects) {}

    private final Clock clock;
    private final Duration thinAfter;

    TargetRetention(Clock clock, Duration thinAfter) {
        this.clock = clock;
        this.thinAfter = thinAfter;
    }

    Sweep sweep(BackupCatalog catalog, TargetSettings settings) throws IOException, CorruptBackupException {
        BackupTarget target = catalog.target();
        Instant now = clock.instant();
        List<String> names = catalog.snapshotNames();
        Set<LocalDate> keptDays = new HashSet<>();
        int removedSnapshots = 0;
        for (int i = names.size() - 1; i >= 0; i--) {
            String name = names.get(i);
            Optional<Instant> t = ObjectNames.timeOf(name);
            if (i == names.size() - 1 || t.isEmpty()) {
                continue; // the newest always stays
            }
            boolean expired = t.get().isBefore(now.minus(settings.snapshotRetention()));
            boolean thinned = t.get().isBefore(now.minus(thinAfter))
                    && !keptDays.add(LocalDate.ofInstant(t.get(), ZoneOffset.UTC));
            if (expired || thinned) {
                target.delete(name);
                removedSnapshots++;
            }
        }
        int removedSegments = 0;
        for (BackupTarget.ObjectInfo o : target.list(ObjectNames.JOURNAL)) {
            if (o.lastModified().isBefore(now.minus(settings.journalRetention()))) {
                target.delete(o.key());
                removedSegments++;
            }
        }
        Set<String> referenced = new HashSet<>();
        PageReferences pages = catalog.pageReferences();
        for (String name : catalog.snapshotNames()) {
            SnapshotManifest m = catalog.snapshot(name);
            for (SnapshotManifest.Blob b : m.allObjects()) {
                referenced.add(ObjectNames.object(b.sha256()));
            }
            for (SnapshotManifest.Page p : m.metadata().tables().stream()
                    .flatMap(t -> t.pages().stream())
                    .toList()) {
                for (SnapshotManifest.Blob b : pages.of(p)) {
                    referenced.add(ObjectNames.object(b.sha256()));
                }
            }
        }
        int removedObjects = 0;
        for (BackupTarget.ObjectInfo o : target.list(ObjectNames.OBJECTS)) {
            if (!referenced.contains(o.key()) && o.lastModified().isBefore(now.minus(OBJECT_GRACE))) {
                target.delete(o.key());
                removedObjects++;
            }
        }
        Sweep sweep = new Sweep(removedSnapshots, removedSegments, removedObjects);
        if (removedSnapshots + removedSegments + removedObjects > 0) {
            LOG.info(() -> "backup: target " + target.name() + " retention removed " + sweep);
        }
        return sweep;
    }
}
