package com.strongroom.search;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.util.BytesRef;

/**
 * Turns request filters into one Lucene filter query. Every key must match:
 *
 * <pre>
 * {"author": "Ann"}                          equality (string, number or boolean)
 * {"author": {"eq": "Ann"}}                  the same, spelled out
 * {"tag": {"in": ["a", "b"]}}                one of
 * {"year": {"gte": 2020, "lt": 2024}}        numeric range (gt, gte, lt, lte)
 * {"published": {"gte": "2024-01-01"}}       date range, ISO-8601 dates or timestamps
 * </pre>
 */
final class FilterQueries {
    private static final int MAX_IN_VALUES = 1024;

    private FilterQueries() {}

    /** The filter for {@code filters}, or null when there is none. */
    static Query parse(Map<String, Object> filters) {
        if (filters.isEmpty()) {
            return null;
        }
        if (filters.size() > 64) {
            throw invalid("filters", "at most 64 keys");
        }
        BooleanQuery.Builder all = new BooleanQuery.Builder();
        for (Map.Entry<String, Object> entry : filters.entrySet()) {
            String key = entry.getKey();
            if (!MetadataValues.KEY.matcher(key).matches()) {
                throw invalid("filters." + key, "keys are 1..64 of A-Z a-z 0-9 _ . -");
            }
            all.add(condition(key, entry.getValue()), BooleanClause.Occur.FILTER);
        }
        return all.build();
    }

    private static Query condition(String key, Object value) {
        if (value instanceof Map<?, ?> ops) {
            if (ops.isEmpty()) {
                throw invalid("filters." + key, "needs an operator: eq, in, gt, gte, lt or lte");
            }
            if (ops.containsKey("eq") || ops.containsKey("in")) {
                if (ops.size() != 1) {
                    throw invalid("filters." + key, "'eq' and 'in' cannot be combined with other operators");
                }
                Object operand = ops.containsKey("eq") ? ops.get("eq") : ops.get("in");
                return ops.containsKey("eq") ? equal(key, operand, "filters." + key + ".eq") : oneOf(key, operand);
            }
            return range(key, ops);
        }
        return equal(key, value, "filters." + key);
    }

    private static Query equal(String key, Object value, String field) {
        if (value == null) {
            throw invalid(field, "null cannot be matched; omit the key instead");
        }
        return switch (value) {
            case String s -> new TermQuery(new Term(MetadataValues.termField(key), s));
            case Boolean b -> new TermQuery(new Term(MetadataValues.termField(key), b.toString()));
            case Number n -> DoublePoint.newExactQuery(MetadataValues.numberField(key), n.doubleValue());
            default -> throw invalid(field, "must be a string, number or boolean");
        };
    }

    private static Query oneOf(String key, Object operand) {
        String field = "filters." + key + ".in";
        if (!(operand instanceof List<?> values) || values.isEmpty()) {
            throw invalid(field, "must be a non-empty list");
        }
        if (values.size() > MAX_IN_VALUES) {
            throw invalid(field, "at most " + MAX_IN_VALUES + " values");
        }
        if (values.stream().allMatch(v -> v instanceof String)) {
            List<BytesRef> terms =
                    values.stream().map(v -> new BytesRef((String) v)).toList();
            return new TermInSetQuery(MetadataValues.termField(key), terms);
        }
        if (values.stream().allMatch(v -> v instanceof Number)) {
            double[] numbers =
                    values.stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
            return DoublePoint.newSetQuery(MetadataValues.numberField(key), numbers);
        }
        BooleanQuery.Builder any = new BooleanQuery.Builder();
        for (Object v : values) {
            any.add(equal(key, v, field), BooleanClause.Occur.SHOULD);
        }
        return any.build();
    }

    private static Query range(String key, Map<?, ?> ops) {
        Object lower = null;
        Object upper = null;
        boolean lowerInclusive = true;
        boolean upperInclusive = true;
        for (Map.Entry<?, ?> op : ops.entrySet()) {
            String name = String.valueOf(op.getKey());
            switch (name) {
                case "gt", "gte" -> {
                    if (lower != null) {
                        throw invalid("filters." + key, "has both gt and gte");
                    }
                    lower = bound(key, name, op.getValue());
                    lowerInclusive = name.equals("gte");
                }
                case "lt", "lte" -> {
                    if (upper != null) {
                        throw invalid("filters." + key, "has both lt and lte");
                    }
                    upper = bound(key, name, op.getValue());
                    upperInclusive = name.equals("lte");
                }
                default ->
                    throw invalid("filters." + key + "." + name, "unknown operator; use eq, in, gt, gte, lt or lte");
            }
        }
        boolean lowerIsDate = lower instanceof Long;
        boolean upperIsDate = upper instanceof Long;
        if ((lower != null && upper != null) && lowerIsDate != upperIsDate) {
            throw invalid("filters." + key, "mixes a number and a date");
        }
        if (!lowerIsDate && !upperIsDate) {
            double lo = lower == null ? Double.NEGATIVE_INFINITY : ((Number) lower).doubleValue();
            double hi = upper == null ? Double.POSITIVE_INFINITY : ((Number) upper).doubleValue();
            lo = lowerInclusive || lower == null ? lo : Math.nextUp(lo);
            hi = upperInclusive || upper == null ? hi : Math.nextDown(hi);
            return DoublePoint.newRangeQuery(MetadataValues.numberField(key), lo, hi);
        }
        long lo = lower == null ? Long.MIN_VALUE : (Long) lower;
        long hi = upper == null ? Long.MAX_VALUE : (Long) upper;
        lo = lowerInclusive || lower == null ? lo : Math.addExact(lo, 1);
        hi = upperInclusive || upper == null ? hi : Math.subtractExact(hi, 1);
        return LongPoint.newRangeQuery(MetadataValues.dateField(key), lo, hi);
    }

    /** A number stays a Number; a date string becomes its epoch milliseconds as a Long. */
    private static Object bound(String key, String op, Object value) {
        String field = "filters." + key + "." + op;
        if (value instanceof Number n) {
            if (!Double.isFinite(n.doubleValue())) {
                throw invalid(field, "must be a finite number");
            }
            return n instanceof Long l ? (double) l : n; // Long is reserved for dates below
        }
        if (value instanceof String s) {
            OptionalLong millis = MetadataValues.epochMillis(s);
            if (millis.isEmpty()) {
                throw invalid(field, "'" + s + "' is neither a number nor an ISO-8601 date");
            }
            return millis.getAsLong();
        }
        throw invalid(field, "must be a number or an ISO-8601 date");
    }

    private static InvalidSearchException invalid(String field, String message) {
        return new InvalidSearchException("invalid_filter", field, field + ": " + message);
    }
}
