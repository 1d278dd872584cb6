package com.strongroom.cli;

import com.strongroom.audit.AuditKeys;
import com.strongroom.audit.ChainedAuditLog;
import com.strongroom.backup.BackupService;
import com.strongroom.backup.IndexJournal;
import com.strongroom.backup.OperatorRequests;
import com.strongroom.config.StrongroomConfig;
import com.strongroom.search.DatasetIndexes;
import com.strongroom.store.ChangeJournal;
import com.strongroom.store.MetadataStore;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Take a snapshot to every target now (and ship the journal). Against a running appliance the"
                + " appliance does it; against a stopped one this command opens the home itself.")
final class BackupRunCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        StrongroomConfig c = config.load();
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        try (OperatorSession s = new OperatorSession(c)) {
            if (RunningAppliance.isRunning(c)) {
                return RunningAppliance.ask(s, OperatorRequests.BACKUP_RUN, null, Duration.ofHours(4), out, err);
            }
            MetadataStore metadata = new MetadataStore(c.metadataFile());
            s.keys.addListener(metadata);
            DatasetIndexes indexes = new DatasetIndexes(
                    new DatasetIndexes.Settings(
                            c.index().root(),
                            c.index().pageCacheBytes(),
                            c.index().vectorCacheBytes(),
                            c.index().pageSize(),
                            c.index().commitInterval()),
                    s.keys);
            s.keys.addListener(indexes);
            ChangeJournal journal = new ChangeJournal(metadata::db);
            indexes.journalChangesTo(new IndexJournal(journal, s.keys));
            s.unsealOrFail();
            try (BackupService backups = BackupService.create(
                    c.backup(),
                    s.keys,
                    metadata,
                    journal,
                    indexes,
                    s.keyringDb,
                    new ChainedAuditLog(s.keyringDb, new AuditKeys(s.keys)),
                    Clock.systemUTC())) {
                out.println(Jsons.pretty(backups.snapshot()));
            } finally {
                indexes.close();
            }
            return 0;
        }
    }
}
