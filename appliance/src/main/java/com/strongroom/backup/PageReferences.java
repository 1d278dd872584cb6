package com.strongroom.backup;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The large values (documents' originals) that a snapshot's row pages name: objects a target must
 * keep for the snapshot and that {@code verify} must check, though the manifest does not list them.
 * Pages are shared by many snapshots, so each is opened once.
 */
final class PageReferences {
    private final BackupTarget target;
    private final BackupCrypto crypto;
    private final Map<String, List<SnapshotManifest.Blob>> byPage = new HashMap<>();

    PageReferences(BackupTarget target, BackupCrypto crypto) {
        this.target = target;
        this.crypto = crypto;
    }

    /**
     * @throws CorruptBackupException when the page cannot be read: then nobody can say what it
     *     names, and nothing may be deleted on its account
     */
    List<SnapshotManifest.Blob> of(SnapshotManifest.Page page) throws IOException, CorruptBackupException {
        List<SnapshotManifest.Blob> known = byPage.get(page.blob().sha256());
        if (known != null) {
            return known;
        }
        TablePage opened = Restorer.openPage(target, crypto, page);
        List<SnapshotManifest.Blob> refs = new java.util.ArrayList<>();
        for (TablePage.Row row : opened.rows()) {
            for (TablePage.Ref ref : row.refs()) {
                refs.add(new SnapshotManifest.Blob(
                        opened.table() + " " + ref.column() + " of "
                                + row.insert().key(),
                        ref.size(),
                        ref.sha256()));
            }
        }
        List<SnapshotManifest.Blob> result = List.copyOf(refs);
        byPage.put(page.blob().sha256(), result);
        return result;
    }
}
