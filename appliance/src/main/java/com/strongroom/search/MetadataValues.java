package com.strongroom.search;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * How metadata values map to filterable Lucene fields. Strings and booleans are exact terms,
 * numbers are double points, and strings that are ISO-8601 dates are also long points (epoch
 * milliseconds, UTC) so that date ranges work without a declared schema.
 */
final class MetadataValues {
    static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern DATE_LIKE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}([Tt ].*)?");

    private MetadataValues() {}

    static String termField(String key) {
        return "m." + key;
    }

    static String numberField(String key) {
        return "n." + key;
    }

    static String dateField(String key) {
        return "d." + key;
    }

    /** Epoch milliseconds of an ISO-8601 date ({@code 2024-05-01}) or timestamp with offset. */
    static OptionalLong epochMillis(String value) {
        if (!DATE_LIKE.matcher(value).matches()) {
            return OptionalLong.empty();
        }
        try {
            if (value.length() == 10) {
                return OptionalLong.of(LocalDate.parse(value)
                        .atStartOfDay(ZoneOffset.UTC)
                        .toInstant()
                        .toEpochMilli());
            }
            return OptionalLong.of(
                    OffsetDateTime.parse(value.replace(' ', 'T')).toInstant().toEpochMilli());
        } catch (DateTimeParseException e) {
            try {
                return OptionalLong.of(Instant.parse(value).toEpochMilli());
            } catch (DateTimeParseException again) {
                return OptionalLong.empty();
            }
        }
    }
}
