package com.strongroom.backup;

import com.strongroom.keys.Pkcs11Hsm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the operator CLI does with a target without the live appliance: list and verify. Both
 * rebuild the keys from the target's own key manifest in a scratch directory and need only the
 * HSM, so they work on a fresh DR host as well as beside a running appliance.
 */
public final class BackupTools {
    private BackupTools() {}

    /** {@code backup verify}: a JSON-ready report; {@code ok} false names every problem. */
    public static Map<String, Object> verify(BackupTarget target, Pkcs11Hsm.Settings hsm, Duration thinAfter)
            throws IOException, SQLException {
        // A damaged newest key manifest is a problem to report; an older one still opens the rest.
        List<String> keyProblems = new ArrayList<>();
        List<String> names = new ArrayList<>(target.list(ObjectNames.KEYS).stream()
                .map(BackupTarget.ObjectInfo::key)
                .toList());
        java.util.Collections.reverse(names);
        for (String name : names) {
            try {
                Map<String, Object> report =
                        withKeys(target, hsm, name, crypto -> verifyWith(target, crypto, thinAfter));
                if (!keyProblems.isEmpty()) {
                    List<String> problems = new ArrayList<>(keyProblems);
                    problems.addAll(castList(report.get("problems")));
                    report.put("problems", problems);
                    report.put("ok", false);
                }
                return report;
            } catch (IOException e) {
                keyProblems.add(e.getMessage());
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("target", target.name());
        out.put("ok", false);
        keyProblems.add(
                names.isEmpty()
                        ? "keys/ holds no key manifest: nothing here can be verified or restored"
                        : "no key manifest could be opened: nothing here can be verified or restored");
        out.put("problems", keyProblems);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object o) {
        return (List<String>) o;
    }

    private static Map<String, Object> verifyWith(BackupTarget target, BackupCrypto crypto, Duration thinAfter)
            throws IOException {
        {
            BackupVerifier.Report r =
                    new BackupVerifier(Clock.systemUTC(), thinAfter).verify(new BackupCatalog(target, crypto), crypto);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("target", r.target());
            out.put("ok", r.ok());
            out.put("snapshots", r.snapshots());
            out.put("objects_verified", r.objectsVerified());
            out.put("bytes_verified", r.bytesVerified());
            out.put("key_manifests", r.keyManifests());
            out.put("journal_segments", r.journalSegments());
            out.put(
                    "newest_snapshot",
                    r.newestSnapshot() == null ? null : r.newestSnapshot().toString());
            out.put(
                    "newest_journal_entry",
                    r.newestJournal() == null ? null : r.newestJournal().toString());
            out.put("problems", r.problems());
            return out;
        }
    }

    /** {@code backup list}: snapshots, key manifests, journal generations and the restorable window. */
    public static Map<String, Object> list(BackupTarget target, Pkcs11Hsm.Settings hsm)
            throws IOException, SQLException {
        return withKeys(target, hsm, crypto -> {
            BackupCatalog catalog = new BackupCatalog(target, crypto);
            List<Map<String, Object>> snapshots = new ArrayList<>();
            Instant oldest = null;
            for (String name : catalog.snapshotNames()) {
                Map<String, Object> s = new LinkedHashMap<>();
                try {
                    SnapshotManifest m = catalog.snapshot(name);
                    s.put("id", m.id());
                    s.put("captured_at", m.capturedAt().toString());
                    s.put("datasets", m.indexes().size());
                    s.put("objects", m.objectCount());
                    s.put("bytes_total", m.totalBytes());
                    s.put("bytes_uploaded", m.bytesUploaded());
                    oldest = oldest == null ? m.capturedAt() : oldest;
                } catch (CorruptBackupException e) {
                    s.put("name", name);
                    s.put("problem", e.getMessage());
                }
                snapshots.add(s);
            }
            List<Map<String, Object>> journal = new ArrayList<>();
            Instant newest = null;
            for (var g : catalog.segments().entrySet()) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("generation", g.getKey());
                j.put("segments", g.getValue().size());
                j.put("first", g.getValue().get(0));
                j.put("last", g.getValue().get(g.getValue().size() - 1));
                try {
                    Instant last = catalog.segment(
                                    g.getKey(), g.getValue().get(g.getValue().size() - 1))
                            .lastAt();
                    j.put("newest_entry", last.toString());
                    newest = newest == null || last.isAfter(newest) ? last : newest;
                } catch (CorruptBackupException e) {
                    j.put("problem", e.getMessage());
                }
                journal.add(j);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("target", target.name());
            out.put("snapshots", snapshots);
            out.put("key_manifests", catalog.keyManifestNames());
            out.put("journal", journal);
            Map<String, Object> window = new LinkedHashMap<>();
            window.put("from", oldest == null ? null : oldest.toString());
            Instant newestSnapshot = snapshots.isEmpty()
                    ? null
                    : Optional.ofNullable(
                                    (String) snapshots.get(snapshots.size() - 1).get("captured_at"))
                            .map(Instant::parse)
                            .orElse(null);
            Instant until = newest != null && (newestSnapshot == null || newest.isAfter(newestSnapshot))
                    ? newest
                    : newestSnapshot;
            window.put("until", until == null ? null : until.toString());
            out.put("restorable", window);
            return out;
        });
    }

    private interface WithCrypto<T> {
        T apply(BackupCrypto crypto) throws IOException, SQLException;
    }

    private static <T> T withKeys(BackupTarget target, Pkcs11Hsm.Settings hsm, WithCrypto<T> work)
            throws IOException, SQLException {
        String newest = BackupCatalog.newestKeyManifest(target)
                .orElseThrow(() -> new IOException("target " + target.name() + " holds no key manifest (keys/)"));
        return withKeys(target, hsm, newest, work);
    }

    private static <T> T withKeys(BackupTarget target, Pkcs11Hsm.Settings hsm, String keyManifest, WithCrypto<T> work)
            throws IOException, SQLException {
        Path scratch = Files.createTempDirectory("strongroom-keys-");
        try {
            try (RestoredKeys keys = RestoredKeys.open(target, scratch.resolve("keyring"), hsm, keyManifest)) {
                return work.apply(new BackupCrypto(keys.keys));
            } catch (CorruptBackupException e) {
                throw new IOException(e.getMessage(), e);
            }
        } finally {
            Restorer.deleteTree(scratch);
        }
    }
}
