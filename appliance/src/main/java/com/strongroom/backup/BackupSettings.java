package com.strongroom.backup;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The {@code backup} section: schedules, the shred window and the targets, each of which gets
 * every snapshot and the whole journal.
 *
 * @param enabled false runs no backups at all (the CLI still restores)
 * @param snapshotInterval how often a snapshot is taken (default 6 h)
 * @param journalInterval how often the change journal is shipped (default 30 s; the RPO)
 * @param shredWindow how long a superseded key manifest is kept: after a purge, its dataset's key
 *     is gone from every target within this window (default 7 days)
 * @param journalLocalRetention how long shipped entries stay in the live database (default 1 h)
 * @param thinAfter snapshots older than this are thinned to the newest of each day (default 30 days)
 * @param spoolDir journal segments waiting to reach every target
 */
public record BackupSettings(
        boolean enabled,
        Duration snapshotInterval,
        Duration journalInterval,
        Duration shredWindow,
        Duration journalLocalRetention,
        Duration thinAfter,
        Path spoolDir,
        List<TargetSettings> targets) {

    public TargetSettings target(String name) {
        if (name == null) {
            if (targets.isEmpty()) {
                throw new IllegalArgumentException("no backup target is configured (backup.targets)");
            }
            return targets.get(0);
        }
        return targets.stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no backup target named '" + name + "'; configured: "
                        + String.join(
                                ", ", targets.stream().map(TargetSettings::name).toList())));
    }
}
