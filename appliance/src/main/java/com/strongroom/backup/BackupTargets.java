package com.strongroom.backup;

import java.io.IOException;
import java.util.regex.Pattern;

/** Opens the backup target a {@code backup.targets[]} entry describes. */
public final class BackupTargets {
    private static final Pattern NAME = Pattern.compile("[a-z0-9-]{1,40}");

    private BackupTargets() {}

    /**
     * A {@code directory} or {@code s3} target. Bad settings are an IllegalArgumentException naming
     * the setting; an unreadable credential or CA file is an IOException naming the file.
     */
    public static BackupTarget open(TargetSettings settings) throws IOException {
        if (settings.name() == null || !NAME.matcher(settings.name()).matches()) {
            throw new IllegalArgumentException(
                    "backup.targets[].name must match [a-z0-9-]{1,40}, not '" + settings.name() + "'");
        }
        String type = settings.type() == null ? "" : settings.type();
        return switch (type) {
            case "directory" -> DirectoryTarget.create(settings);
            case "s3" -> S3Target.create(settings);
            default ->
                throw new IllegalArgumentException("backup.targets[].type of target '" + settings.name()
                        + "' must be 'directory' or 's3', not '" + settings.type() + "'");
        };
    }
}
