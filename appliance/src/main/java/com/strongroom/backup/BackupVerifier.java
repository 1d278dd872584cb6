package com.strongroom.backup;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code backup verify}: re-reads every object a target holds and checks it: each snapshot
 * manifest's MAC and its link to the previous one, every object a manifest names against its
 * SHA-256, the audit export's tag, every key manifest's MAC, every journal segment's tag and that
 * each generation's segments have no gaps. Problems name the object.
 */
final class BackupVerifier {
    /** The outcome; {@code problems} empty means the target is good. */
    record Report(
            String target,
            int snapshots,
            int objectsVerified,
            long bytesVerified,
            int keyManifests,
            int journalSegments,
            Instant newestSnapshot,
            Instant newestJournal,
            List<String> problems) {
        boolean ok() {
            return problems.isEmpty();
        }
    }

    private final Clock clock;
    private final Duration thinAfter;

    BackupVerifier(Clock clock, Duration thinAfter) {
        this.clock = clock;
        this.thinAfter = thinAfter;
    }

    Report verify(BackupCatalog catalog, BackupCrypto crypto) throws IOException {
        BackupTarget target = catalog.target();
        List<String> problems = new ArrayList<>();
        Set<String> checked = new HashSet<>();
        PageReferences pages = new PageReferences(target, crypto);
        long bytes = 0;
        int objects = 0;
        String previousSha = null;
        Instant previousTime = null;
        Instant newestSnapshot = null;
        List<String> names = catalog.snapshotNames();
        for (String name : names) {
            byte[] raw;
            SnapshotManifest m;
            try {
                raw = catalog.raw(name);
                m = SnapshotManifest.fromJson(name, crypto.checkMac(name, raw));
            } catch (CorruptBackupException e) {
                problems.add(e.getMessage());
                previousSha = null;
                continue;
            }
            objects++;
            boolean thinnable = previousTime != null
                    && previousTime.isBefore(clock.instant().minus(thinAfter));
            if (previousSha != null && !previousSha.equals(m.previous()) && !thinnable) {
                problems.add(name + " does not follow the snapshot before it (the manifest chain is broken)");
            }
            previousSha = BackupCrypto.sha256(raw);
            previousTime = m.capturedAt();
            newestSnapshot = m.capturedAt();
            for (SnapshotManifest.Page p : m.sealedPages()) {
                if (!checked.add(p.blob().sha256())) {
                    continue;
                }
                List<SnapshotManifest.Blob> values;
                try {
                    values = pages.of(p); // hashed, then authenticated under the backup key
                    bytes += p.blob().size();
                    objects++;
                } catch (CorruptBackupException e) {
                    problems.add(e.getMessage() + " (named by " + name + ")");
                    continue;
                }
                for (SnapshotManifest.Blob v : values) {
                    if (!checked.add(v.sha256())) {
                        continue;
                    }
                    try {
                        bytes += Restorer.copyVerified(target, v, OutputStream.nullOutputStream());
                        objects++;
                    } catch (CorruptBackupException e) {
                        problems.add(e.getMessage() + " (named by a page of " + name + ")");
                    }
                }
            }
            for (SnapshotManifest.Blob b : m.allObjects()) {
                if (!checked.add(b.sha256())) {
                    continue;
                }
                try {
                    bytes += Restorer.copyVerified(target, b, OutputStream.nullOutputStream());
                    objects++;
                } catch (CorruptBackupException e) {
                    problems.add(e.getMessage() + " (named by " + name + ")");
                }
            }
        }
        int keyManifests = 0;
        for (String name : catalog.keyManifestNames()) {
            try {
                catalog.keys(name);
                keyManifests++;
                objects++;
            } catch (CorruptBackupException e) {
                problems.add(e.getMessage());
            }
        }
        if (!names.isEmpty() && keyManifests == 0) {
            problems.add("keys/ holds no readable key manifest: no snapshot here can be restored");
        }
        int segments = 0;
        Instant newestJournal = null;
        for (Map.Entry<String, List<Long>> g : catalog.segments().entrySet()) {
            long expect = -1;
            for (long n : g.getValue()) {
                if (expect > 0 && n != expect) {
                    problems.add(ObjectNames.segment(g.getKey(), expect) + " is missing (the journal has a gap up to "
                            + ObjectNames.segment(g.getKey(), n) + ")");
                }
                expect = n + 1;
                try {
                    JournalSegment s = catalog.segment(g.getKey(), n);
                    segments++;
                    objects++;
                    if (newestJournal == null || s.lastAt().isAfter(newestJournal)) {
                        newestJournal = s.lastAt();
                    }
                } catch (CorruptBackupException e) {
                    problems.add(e.getMessage());
                }
            }
        }
        return new Report(
                target.name(),
                names.size(),
                objects,
                bytes,
                keyManifests,
                segments,
                newestSnapshot,
                Optional.ofNullable(newestJournal).orElse(null),
                List.copyOf(problems));
    }
}
