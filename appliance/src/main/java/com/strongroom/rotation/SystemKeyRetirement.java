package com.strongroom.rotation;

import com.strongroom.audit.AuditEvent;
import com.strongroom.audit.AuditLog;
import com.strongroom.auth.ApiKeys;
import com.strongroom.config.StrongroomConfig;
import com.strongroom.keys.DekRecord;
import com.strongroom.keys.DekState;
import com.strongroom.keys.DekUsage;
import com.strongroom.keys.KeyManager;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Retires older versions of the system keys that move to a rotated version by themselves: the
 * metadata database (re-encrypted when it opens) and API-key hashes (again when a key is next
 * presented). Records what is left under each version, as the dataset pass does.
 */
public final class SystemKeyRetirement {
    private static final Logger LOG = Logger.getLogger(SystemKeyRetirement.class.getName());

    /**
     * The metadata database's file and the {@code metadata} version it is open under: it is
     * re-encrypted when it opens (at start or unseal), so older versions are retired here.
     */
    public record MetadataFile(java.nio.file.Path mvFile, java.util.function.IntSupplier openVersion) {}

    private final KeyManager keys;
    private final MetadataFile metadata;
    private final ApiKeys apiKeys;
    private final AuditLog audit;
    private final StrongroomConfig.Reencryption settings;
    private final Clock clock;

    public SystemKeyRetirement(
            KeyManager keys,
            MetadataFile metadata,
            ApiKeys apiKeys,
            AuditLog audit,
            StrongroomConfig.Reencryption settings,
            Clock clock) {
        this.keys = keys;
        this.metadata = metadata;
        this.apiKeys = apiKeys;
        this.audit = audit;
        this.settings = settings;
        this.clock = clock;
    }

    int retireUnused() throws SQLException, IOException {
        return retireMetadataVersions() + retireApiKeyVersions();
    }

    /** Older {@code metadata} versions protect nothing once the file is open under the newest. */
    private int retireMetadataVersions() throws SQLException, IOException {
        int open = metadata.openVersion().getAsInt();
        List<DekRecord> versions = keys.keyring().deks("metadata");
        if (open == 0 || versions.stream().noneMatch(d -> d.state() == DekState.ENABLED)) {
            return 0;
        }
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        long bytes = java.nio.file.Files.exists(metadata.mvFile()) ? java.nio.file.Files.size(metadata.mvFile()) : 0;
        List<DekUsage> usage = new ArrayList<>();
        int retired = 0;
        for (DekRecord d : versions) {
            if (d.state() == DekState.DESTROYED) {
                continue;
            }
            boolean inUse = d.version() == open;
            usage.add(new DekUsage("metadata", d.version(), inUse ? 1 : 0, inUse ? bytes : 0, 0, 0, 0, 0, now));
            if (!inUse && d.state() == DekState.ENABLED && keys.retire("metadata", d.version())) {
                retired++;
                int v = d.version();
                LOG.info(() -> "metadata v" + v + " retired: nothing is encrypted under it any more");
                audit.record(AuditEvent.system(
                        "keys.retire",
                        "dek:metadata",
                        AuditEvent.Outcome.SUCCESS,
                        "version " + v + " retired: the metadata database is re-encrypted under v" + open
                                + "; it may now be destroyed with keys destroy-version"));
            }
        }
        keys.keyring().recordUsage("metadata", usage);
        return retired;
    }

    /**
     * API keys are hashed again under the primary version when they are next presented; an older
     * version retires once no live key (unrevoked, unexpired) is hashed under it.
     */
    private int retireApiKeyVersions() throws SQLException {
        List<DekRecord> versions = keys.keyring().deks("apikeys");
        if (versions.stream().noneMatch(d -> d.state() == DekState.ENABLED)) {
            return 0;
        }
        Map<Integer, Integer> live = apiKeys.liveKeysByHashVersion();
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        DekRecord primary = versions.stream()
                .filter(d -> d.state() == DekState.PRIMARY)
                .findFirst()
                .orElse(null);
        boolean settled =
                primary != null && Duration.between(primary.createdAt(), now).compareTo(settings.retireAfter()) >= 0;
        List<DekUsage> usage = new ArrayList<>();
        int retired = 0;
        for (DekRecord d : versions) {
            if (d.state() == DekState.DESTROYED) {
                continue;
            }
            int keysUnder = live.getOrDefault(d.version(), 0);
            usage.add(new DekUsage("apikeys", d.version(), 0, 0, 0, 0, 0, keysUnder, now));
            if (keysUnder == 0 && settled && d.state() == DekState.ENABLED && keys.retire("apikeys", d.version())) {
                retired++;
                int v = d.version();
                LOG.info(() -> "apikeys v" + v + " retired: nothing is encrypted under it any more");
                audit.record(AuditEvent.system(
                        "keys.retire",
                        "dek:apikeys",
                        AuditEvent.Outcome.SUCCESS,
                        "version " + v + " retired: no live API key is hashed under it;"
                                + " it may now be destroyed with keys destroy-version"));
            }
        }
        keys.keyring().recordUsage("apikeys", usage);
        return retired;
    }
}
