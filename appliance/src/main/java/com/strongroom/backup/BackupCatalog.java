package com.strongroom.backup;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads what one target holds: snapshot manifests, key manifests, journal segments. */
final class BackupCatalog {
    private final BackupTarget target;
    private final BackupCrypto crypto;

    BackupCatalog(BackupTarget target, BackupCrypto crypto) {
        this.target = target;
        this.crypto = crypto;
    }

    /** What the pages of this target's snapshots name, read as they are asked for. */
    PageReferences pageReferences() {
        return new PageReferences(target, crypto);
    }

    BackupTarget target() {
        return target;
    }

    List<String> snapshotNames() throws IOException {
        List<String> names = new ArrayList<>();
        for (BackupTarget.ObjectInfo o : target.list(ObjectNames.SNAPSHOTS)) {
            if (o.key().endsWith(".json")) {
                names.add(o.key());
            }
        }
        return names;
    }

    byte[] raw(String name) throws IOException, CorruptBackupException {
        return target.get(name).orElseThrow(() -> new CorruptBackupException(name, "is missing"));
    }

    SnapshotManifest snapshot(String name) throws IOException, CorruptBackupException {
        return SnapshotManifest.fromJson(name, crypto.checkMac(name, raw(name)));
    }

    /** The newest snapshot captured at or before {@code at}, skipping none: a bad one is an error. */
    Optional<String> newestSnapshotAtOrBefore(Instant at) throws IOException {
        List<String> names = snapshotNames();
        for (int i = names.size() - 1; i >= 0; i--) {
            Optional<Instant> t = ObjectNames.timeOf(names.get(i));
            if (t.isPresent() && !t.get().isAfter(at)) {
                return Optional.of(names.get(i));
            }
        }
        return Optional.empty();
    }

    static Optional<String> newestKeyManifest(BackupTarget target) throws IOException {
        List<BackupTarget.ObjectInfo> keys = target.list(ObjectNames.KEYS);
        return keys.isEmpty()
                ? Optional.empty()
                : Optional.of(keys.get(keys.size() - 1).key());
    }

    List<String> keyManifestNames() throws IOException {
        return target.list(ObjectNames.KEYS).stream()
                .map(BackupTarget.ObjectInfo::key)
                .toList();
    }

    KeyManifest keys(String name) throws IOException, CorruptBackupException {
        return KeyManifest.fromJson(name, crypto.checkMac(name, raw(name)));
    }

    /** Generation -> segment numbers, sorted. */
    java.util.SortedMap<String, List<Long>> segments() throws IOException {
        java.util.SortedMap<String, List<Long>> out = new java.util.TreeMap<>();
        for (BackupTarget.ObjectInfo o : target.list(ObjectNames.JOURNAL)) {
            String rest = o.key().substring(ObjectNames.JOURNAL.length());
            int slash = rest.indexOf('/');
            long n = ObjectNames.segmentNumber(o.key());
            if (slash > 0 && n > 0) {
                out.computeIfAbsent(rest.substring(0, slash), g -> new ArrayList<>())
                        .add(n);
            }
        }
        out.values().forEach(l -> l.sort(Long::compare));
        return out;
    }

    JournalSegment segment(String generation, long number) throws IOException, CorruptBackupException {
        String name = ObjectNames.segment(generation, number);
        JournalSegment s = JournalSegment.decode(name, crypto.open(JournalSegment.LABEL, name, raw(name)));
        if (!s.generation().equals(generation) || s.number() != number) {
            throw new CorruptBackupException(name, "holds another segment (" + s.name() + ")");
        }
        return s;
    }
}
