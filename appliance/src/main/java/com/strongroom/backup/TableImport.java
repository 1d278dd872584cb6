package com.strongroom.backup;

import com.strongroom.store.RowChange;
import com.strongroom.store.RowChanges;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Loads {@link TablePage}s into a database, fetching each large value from the target. */
final class TableImport {
    /** Fetches a large value, checked against its size and SHA-256. */
    interface Values {
        byte[] fetch(String table, TablePage.Ref ref) throws IOException, CorruptBackupException;
    }

    private TableImport() {}

    /** @return rows loaded */
    static int load(Connection c, TablePage page, Values values)
            throws SQLException, IOException, CorruptBackupException {
        for (TablePage.Row row : page.rows()) {
            Map<String, Object> all = new LinkedHashMap<>(row.insert().values());
            for (TablePage.Ref ref : row.refs()) {
                all.put(ref.column(), values.fetch(page.table(), ref));
            }
            RowChanges.apply(
                    c,
                    new RowChange(RowChange.INSERT, page.table(), row.insert().key(), all));
        }
        return page.rows().size();
    }
}
