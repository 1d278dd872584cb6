package com.strongroom.ingest;

/**
 * Clean-up of whitespace in one pass over the text. These were regular expressions once; a
 * pattern such as {@code [ \t]+(?=\n|$)} or {@code \s*\n\s*} backtracks over every run of blanks
 * from each of its positions, so a megabyte of spaces took hours. Each character here is looked
 * at a bounded number of times, whatever the input.
 */
final class Whitespace {
    private Whitespace() {}

    /** Whitespace as {@code \s} of a regular expression means it: space, tab, newline, VT, FF, CR. */
    static boolean isRegexSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == 0x0B || c == '\u00A0';
    }

    /** Drops blanks (space, tab, VT, no-break space) at the end of each line and page. */
    static String withoutTrailingBlanks(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int pendingFrom = -1; // start of a run of blanks not yet known to be trailing
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (isBlank(c)) {
                if (pendingFrom < 0) {
                    pendingFrom = i;
                }
                continue;
            }
            if (pendingFrom >= 0 && c != '\n' && c != '\f') {
                out.append(s, pendingFrom, i);
            }
            pendingFrom = -1;
            out.append(c);
        }
        return out.toString();
    }

    /** Each run of three or more newlines becomes two (at most one blank line in a row). */
    static String withoutExtraBlankLines(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int newlines = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            newlines = c == '\n' ? newlines + 1 : 0;
            if (newlines <= 2) {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** A line break with the blanks before it and the whitespace after it becomes one newline. */
    static String tidyLineBreaks(String s) {
        return replaceLineBreaks(s, c -> c == ' ' || c == '\t', '\n');
    }

    /** A line break with the whitespace around it becomes one space (a table cell on one line). */
    static String joinLines(String s) {
        return replaceLineBreaks(s, c -> isRegexSpace((char) c), ' ');
    }

    /**
     * Each line break, with the characters before it that {@code strippedBefore} accepts and the
     * whitespace after it, becomes {@code with}; one pass, so no input can make it backtrack.
     */
    private static String replaceLineBreaks(String s, java.util.function.IntPredicate strippedBefore, char with) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i++);
            if (c != '\n') {
                out.append(c);
                continue;
            }
            int end = out.length();
            while (end > 0 && strippedBefore.test(out.charAt(end - 1))) {
                end--;
            }
            out.setLength(end);
            out.append(with);
            while (i < s.length() && isRegexSpace(s.charAt(i))) {
                i++;
            }
        }
        return out.toString();
    }

    /** A Markdown heading's closing sequence ({@code # Title ##}) removed, with the space before it. */
    static String withoutClosingHashes(String s) {
        int hashes = s.length();
        while (hashes > 0 && s.charAt(hashes - 1) == '#') {
            hashes--;
        }
        if (hashes == s.length() || hashes == 0 || !isRegexSpace(s.charAt(hashes - 1))) {
            return s;
        }
        int end = hashes;
        while (end > 0 && isRegexSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }
}
