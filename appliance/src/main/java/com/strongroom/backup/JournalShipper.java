package com.strongroom.backup;

import com.strongroom.store.ChangeJournal;
import com.strongroom.store.JournalEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Ships the change journal: committed entries go into a sealed, numbered segment in a local spool
 * (written and fsynced before the entries are marked spooled, so a crash at worst repeats entries,
 * which a replay drops by sequence number), and every spooled segment to every target. A segment
 * leaves the spool once each target has it. A kill at any point loses nothing: rows stay in the
 * journal table until spooled, segments stay in the spool until shipped.
 */
final class JournalShipper {
    private static final Logger LOG = Logger.getLogger(JournalShipper.class.getName());
    private static final int ENTRIES_PER_SEGMENT = 2000;
    /** A segment is built and sealed in memory; originals can be 10 MB each. */
    private static final long BYTES_PER_SEGMENT = 32L << 20;

    /** What one round did: segments written and shipped, newest shipped entry, failures by target. */
    record Round(int segmentsWritten, int segmentsShipped, Instant newestShipped, List<String> failures) {}

    private final ChangeJournal journal;
    private final BackupCrypto crypto;
    private final KeyManifests keyManifests;
    private final Path spool;
    private final Clock clock;
    private final Duration localRetention;
    private boolean continuityChecked;

    JournalShipper(
            ChangeJournal journal,
            BackupCrypto crypto,
            KeyManifests keyManifests,
            Path spool,
            Clock clock,
            Duration localRetention) {
        this.journal = journal;
        this.crypto = crypto;
        this.keyManifests = keyManifests;
        this.spool = spool;
        this.clock = clock;
        this.localRetention = localRetention;
    }

    synchronized Round ship(List<BackupTarget> targets) throws SQLException, IOException {
        if (!continuityChecked) {
            checkContinuity(targets);
            continuityChecked = true;
        }
        int written = spoolEntries();
        int shipped = 0;
        Instant newest = null;
        List<String> failures = new ArrayList<>();
        for (BackupTarget target : targets) {
            try {
                keyManifests.ship(target); // before any segment that may need a new key
            } catch (IOException | RuntimeException e) {
                failures.add(target.name() + ": " + e.getMessage());
            }
        }
        for (Path file : spooled()) {
            String name = spool.relativize(file).toString().replace('\\', '/');
            boolean everywhere = true;
            for (BackupTarget target : targets) {
                Path marker = marker(file, target);
                if (Files.exists(marker)) {
                    continue;
                }
                try {
                    target.put(ObjectNames.JOURNAL + name, file);
                    Files.createFile(marker);
                } catch (IOException | RuntimeException e) {
                    everywhere = false;
                    String failure = target.name() + ": " + e.getMessage();
                    if (!failures.contains(failure)) {
                        failures.add(failure);
                    }
                }
            }
            if (everywhere) {
                shipped++;
                Instant at = Files.getLastModifiedTime(file).toInstant();
                newest = newest == null || at.isAfter(newest) ? at : newest;
                for (BackupTarget target : targets) {
                    Files.deleteIfExists(marker(file, target));
                }
                Files.deleteIfExists(file);
            }
        }
        journal.prune(clock.instant().minus(localRetention));
        return new Round(written, shipped, newest, failures);
    }

    /** Moves every unspooled entry into segments; returns how many segments it wrote. */
    private int spoolEntries() throws SQLException, IOException {
        int written = 0;
        while (true) {
            List<JournalEntry> entries = journal.unspooled(ENTRIES_PER_SEGMENT, BYTES_PER_SEGMENT);
            if (entries.isEmpty()) {
                return written;
            }
            ChangeJournal.State state = journal.state();
            JournalSegment segment = new JournalSegment(state.generation(), state.nextSegment(), entries);
            String name = segment.name().substring(ObjectNames.JOURNAL.length());
            Path file = spool.resolve(name);
            Files.createDirectories(file.getParent());
            // A segment rewritten after a crash holds more entries than the one some targets got.
            try (Stream<Path> stale = Files.list(file.getParent())) {
                for (Path p : stale.filter(p -> p.getFileName().toString().startsWith(file.getFileName() + "."))
                        .toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, crypto.seal(JournalSegment.LABEL, segment.name(), segment.encode()));
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            List<Long> seqs = entries.stream().map(JournalEntry::seq).toList();
            if (!journal.markSpooled(state.generation(), state.nextSegment(), seqs)) {
                Files.deleteIfExists(file);
                throw new IOException("the journal state changed while segment " + name + " was written");
            }
            written++;
        }
    }

    private List<Path> spooled() throws IOException {
        if (!Files.isDirectory(spool)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(spool)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".seg"))
                    .sorted()
                    .toList();
        }
    }

    private static Path marker(Path segment, BackupTarget target) {
        return segment.resolveSibling(segment.getFileName() + "." + target.name() + ".shipped");
    }

    /**
     * A target that already holds segments of this generation at or past the number the database
     * would write next has a history this database does not continue (it was replaced or rolled
     * back underneath): a new generation starts, loudly, and the next snapshot anchors it.
     */
    private void checkContinuity(List<BackupTarget> targets) throws SQLException, IOException {
        ChangeJournal.State state = journal.state();
        for (BackupTarget target : targets) {
            long highest = 0;
            for (BackupTarget.ObjectInfo o : target.list(ObjectNames.JOURNAL + state.generation() + "/")) {
                highest = Math.max(highest, ObjectNames.segmentNumber(o.key()));
            }
            if (highest >= state.nextSegment() && !spooledLocally(state.generation(), highest)) {
                String generation = journal.startGeneration();
                LOG.log(
                        Level.SEVERE,
                        "backup: journal continuity lost: target " + target.name() + " holds segment " + highest
                                + " of generation " + state.generation() + " but this database would write "
                                + state.nextSegment() + " next; starting generation " + generation
                                + ". Point-in-time restore is possible again from the next snapshot on.");
                return;
            }
        }
    }

    private boolean spooledLocally(String generation, long number) {
        try {
            return Files.exists(
                    spool.resolve(ObjectNames.segment(generation, number).substring(ObjectNames.JOURNAL.length())));
        } catch (RuntimeException e) {
            return false;
        }
    }
}
