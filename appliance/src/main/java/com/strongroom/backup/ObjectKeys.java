package com.strongroom.backup;

/**
 * The one definition of a valid object key, shared by every target so that a backup written to
 * one kind of target can be copied to any other.
 *
 * <p>A key is one or more '/'-separated segments. Not allowed: an empty key, a leading or trailing
 * '/', an empty segment ({@code a//b}), a segment that starts with '.' (that rules out {@code .} and
 * {@code ..} and leaves dot-names to the targets' own temp files), {@code ..} anywhere, a backslash,
 * and control characters. A directory target maps keys straight onto paths, so these rules are
 * what keeps a key inside its directory.
 */
final class ObjectKeys {
    private ObjectKeys() {}

    /** Returns {@code key}, or throws IllegalArgumentException naming it. */
    static String requireValid(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("backup object key must not be empty");
        }
        String problem = problem(key, false);
        if (problem != null) {
            throw new IllegalArgumentException("invalid backup object key '" + printable(key) + "': " + problem);
        }
        return key;
    }

    static boolean isValid(String key) {
        return key != null && !key.isEmpty() && problem(key, false) == null;
    }

    /**
     * Returns {@code prefix} ("" lists everything), or throws IllegalArgumentException naming it. A
     * prefix is a key that may end in '/' or stop in the middle of a segment.
     */
    static String requireValidPrefix(String prefix) {
        if (prefix == null) {
            throw new IllegalArgumentException("backup object key prefix must not be null (use \"\" for all)");
        }
        if (prefix.isEmpty()) {
            return prefix;
        }
        String problem = problem(prefix, true);
        if (problem != null) {
            throw new IllegalArgumentException(
                    "invalid backup object key prefix '" + printable(prefix) + "': " + problem);
        }
        return prefix;
    }

    private static String problem(String key, boolean isPrefix) {
        if (key.startsWith("/")) {
            return "must be relative (no leading '/')";
        }
        if (key.contains("..")) {
            return "must not contain '..'";
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\\') {
                return "must not contain '\\'";
            }
            if (Character.isISOControl(c)) {
                return "must not contain control characters";
            }
        }
        String[] segments = key.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            boolean last = i == segments.length - 1;
            if (segment.isEmpty() && !(isPrefix && last)) {
                return last ? "must not end with '/'" : "must not contain an empty segment ('//')";
            }
            if (segment.startsWith(".")) {
                return "a segment must not start with '.'";
            }
        }
        return null;
    }

    /** Keys end up in messages and logs: never let one carry a line break or an escape sequence. */
    private static String printable(String key) {
        StringBuilder out = new StringBuilder(key.length());
        key.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
