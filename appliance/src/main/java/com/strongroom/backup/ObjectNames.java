package com.strongroom.backup;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * The layout of a target. Names sort by time, so the newest of a kind is the last listed.
 *
 * <pre>
 * objects/ab/ab12…            content-addressed by SHA-256: index files, metadata blocks, audit exports
 * snapshots/&lt;time&gt;-&lt;id&gt;.json  one authenticated manifest per snapshot
 * keys/&lt;time&gt;.json             key manifests: the wrapped data keys, kept out of the snapshots
 * journal/&lt;generation&gt;/&lt;n&gt;.seg   sealed journal segments, numbered without gaps per generation
 * </pre>
 */
final class ObjectNames {
    static final String OBJECTS = "objects/";
    static final String SNAPSHOTS = "snapshots/";
    static final String KEYS = "keys/";
    static final String JOURNAL = "journal/";
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

    private ObjectNames() {}

    static String object(String sha256) {
        return OBJECTS + sha256.substring(0, 2) + "/" + sha256;
    }

    static String time(Instant t) {
        return TIME.format(t);
    }

    static Instant parseTime(String s) {
        return Instant.from(TIME.parse(s));
    }

    static String snapshot(Instant capturedAt, String id) {
        return SNAPSHOTS + time(capturedAt) + "-" + id + ".json";
    }

    /** The time a snapshot or key manifest name carries; empty for a name of another form. */
    static Optional<Instant> timeOf(String name) {
        int slash = name.lastIndexOf('/');
        String base = name.substring(slash + 1);
        if (base.length() < 19) {
            return Optional.empty();
        }
        try {
            return Optional.of(parseTime(base.substring(0, 19)));
        } catch (java.time.DateTimeException e) {
            return Optional.empty();
        }
    }

    static String keys(Instant createdAt) {
        return KEYS + time(createdAt) + ".json";
    }

    static String segment(String generation, long number) {
        return JOURNAL + generation + "/" + String.format("%012d", number) + ".seg";
    }

    /** The segment number of a name made by {@link #segment}; -1 for other names. */
    static long segmentNumber(String name) {
        int slash = name.lastIndexOf('/');
        String base = name.substring(slash + 1);
        if (!base.matches("\\d{12}\\.seg")) {
            return -1;
        }
        return Long.parseLong(base.substring(0, 12));
    }
}
