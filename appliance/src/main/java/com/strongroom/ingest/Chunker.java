package com.strongroom.ingest;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts text into chunks along its structure: a heading always starts a chunk, a paragraph that
 * fits is never split across two, a long paragraph is cut between sentences, a long sentence
 * between words, and only a single overlong word is cut inside (never inside a surrogate pair).
 * Each chunk after the first in a section starts with the last whole sentences of the previous
 * one, up to the overlap.
 */
public final class Chunker {
    // Linear: a run of blanks is tried only from the single newline before it.
    private static final Pattern BLANK_LINES = Pattern.compile("\\n[ \\t\\f\\r]*\\n|\\f");

    private final ChunkingOptions options;

    public Chunker(ChunkingOptions options) {
        this.options = options;
    }

    /** A span of the source that is never cut further unless it is longer than a chunk. */
    private record Unit(int start, int end, boolean startsParagraph, int paragraphEnd, boolean heading, String path) {
        int length() {
            return end - start;
        }
    }

    public ChunkingOptions options() {
        return options;
    }

    public List<Chunk> chunk(String source) {
        List<Unit> units = units(source);
        List<Chunk> chunks = new ArrayList<>();
        List<Unit> current = new ArrayList<>();
        for (Unit unit : units) {
            if (!current.isEmpty() && mustBreakBefore(current, unit)) {
                chunks.add(chunk(source, current));
                current = unit.heading() ? new ArrayList<>() : overlap(current, unit);
            }
            current.add(unit);
        }
        if (!current.isEmpty()) {
            chunks.add(chunk(source, current));
        }
        return chunks;
    }

    private boolean mustBreakBefore(List<Unit> current, Unit next) {
        if (next.heading()) {
            return true;
        }
        int start = current.getFirst().start();
        if (next.end() - start > options.maxChars()) {
            return true;
        }
        // a paragraph that would fit in a chunk of its own is not split across two
        return next.startsParagraph()
                && next.paragraphEnd() - start > options.maxChars()
                && next.paragraphEnd() - next.start() <= options.maxChars();
    }

    /** The last units of {@code previous} (not its heading) that fit in the overlap with {@code next}. */
    private List<Unit> overlap(List<Unit> previous, Unit next) {
        List<Unit> carried = new ArrayList<>();
        for (int i = previous.size() - 1; i >= 0; i--) {
            Unit u = previous.get(i);
            if (u.heading()
                    || next.end() - u.start() > options.maxChars()
                    || next.start() - u.start() > options.overlapChars()) {
                break;
            }
            carried.addFirst(u);
        }
        return carried;
    }

    private static Chunk chunk(String source, List<Unit> units) {
        int start = units.getFirst().start();
        int end = units.getLast().end();
        return new Chunk(
                source.substring(start, end), start, end, units.getLast().path());
    }

    /** Headings, then sentences of paragraphs, then words and pieces of overlong ones. */
    private List<Unit> units(String source) {
        List<Unit> units = new ArrayList<>();
        List<String> headings = new ArrayList<>();
        int from = 0;
        while (from < source.length()) {
            Heading heading = nextHeading(source, from);
            int blockEnd = heading != null ? heading.start() : source.length();
            paragraphs(source, from, blockEnd, path(headings), units);
            if (heading == null) {
                break;
            }
            int level = heading.level();
            while (headings.size() >= level) {
                headings.removeLast();
            }
            while (headings.size() < level - 1) {
                headings.add("");
            }
            headings.add(heading.title());
            int[] span = trim(source, heading.start(), heading.end());
            units.add(new Unit(span[0], span[1], true, span[1], true, path(headings)));
            from = heading.end();
        }
        return units;
    }

    /** An ATX heading line: {@code start..end} without its line break. */
    private record Heading(int start, int end, int level, String title) {}

    /**
     * The first Markdown ATX heading ({@code ## Title ##}) on a line starting at or after {@code
     * from}, scanning each line once. It was the pattern {@code ^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$},
     * whose lazy title and trailing class backtrack quadratically over a long run of blanks.
     */
    private static Heading nextHeading(String s, int from) {
        int line = from;
        if (line > 0 && !isLineBreak(s.charAt(line - 1))) {
            line = nextLine(s, line);
        }
        while (line < s.length()) {
            int end = line;
            while (end < s.length() && !isLineBreak(s.charAt(end))) {
                end++;
            }
            Heading h = heading(s, line, end);
            if (h != null) {
                return h;
            }
            line = end + 1;
        }
        return null;
    }

    private static int nextLine(String s, int i) {
        while (i < s.length() && !isLineBreak(s.charAt(i))) {
            i++;
        }
        return i + 1;
    }

    private static Heading heading(String s, int start, int end) {
        int i = start;
        while (i < end && i - start < 3 && s.charAt(i) == ' ') {
            i++;
        }
        int hashes = i;
        while (i < end && s.charAt(i) == '#' && i - hashes < 7) {
            i++;
        }
        int level = i - hashes;
        if (level < 1 || level > 6 || i + 1 >= end || !isBlank(s.charAt(i))) {
            return null; // a heading needs its marks, a blank, and at least one more character
        }
        int title = i + 1;
        while (title < end && isBlank(s.charAt(title))) {
            title++;
        }
        int titleEnd = end;
        while (titleEnd > title + 1 && (isBlank(s.charAt(titleEnd - 1)) || s.charAt(titleEnd - 1) == '#')) {
            titleEnd--;
        }
        return new Heading(start, end, level, s.substring(title, titleEnd).strip());
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    /** The line terminators of {@link java.util.regex.Pattern}'s {@code $} and {@code .}. */
    private static boolean isLineBreak(char c) {
        return c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029';
    }

    private static String path(List<String> headings) {
        List<String> named = headings.stream().filter(h -> !h.isEmpty()).toList();
        return named.isEmpty() ? null : String.join(" › ", named);
    }

    private void paragraphs(String source, int from, int to, String path, List<Unit> units) {
        Matcher blank = BLANK_LINES.matcher(source).region(from, to);
        int start = from;
        while (start < to) {
            int end = blank.find() ? blank.start() : to;
            int[] span = trim(source, start, end);
            if (span[0] < span[1]) {
                sentences(source, span[0], span[1], path, units);
            }
            start = end == to ? to : blank.end();
        }
    }

    private void sentences(String source, int from, int to, String path, List<Unit> units) {
        boolean first = true;
        BreakIterator sentences = BreakIterator.getSentenceInstance(Locale.ROOT);
        sentences.setText(source.substring(from, to));
        int s = sentences.first();
        for (int e = sentences.next(); e != BreakIterator.DONE; s = e, e = sentences.next()) {
            int[] span = trim(source, from + s, from + e);
            if (span[0] >= span[1]) {
                continue;
            }
            if (span[1] - span[0] <= options.maxChars()) {
                units.add(new Unit(span[0], span[1], first, to, false, path));
            } else {
                words(source, span[0], span[1], first, to, path, units);
            }
            first = false;
        }
    }

    /** Packs the words of an overlong sentence into units of at most a chunk each. */
    private void words(
            String source, int from, int to, boolean startsParagraph, int paragraphEnd, String path, List<Unit> units) {
        int max = options.maxChars();
        int start = from;
        while (start < to) {
            int end = Math.min(to, start + max);
            if (end < to) {
                int space = lastWhitespace(source, start, end);
                if (space > start) {
                    end = space;
                } else if (Character.isHighSurrogate(source.charAt(end - 1))) {
                    end--; // an overlong word is cut, but never between the halves of a character
                }
            }
            int[] span = trim(source, start, end);
            if (span[0] < span[1]) {
                units.add(new Unit(span[0], span[1], startsParagraph, paragraphEnd, false, path));
                startsParagraph = false;
            }
            start = end;
            while (start < to && Character.isWhitespace(source.charAt(start))) {
                start++;
            }
        }
    }

    private static int lastWhitespace(String source, int from, int to) {
        for (int i = to; i > from; i--) {
            if (Character.isWhitespace(source.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static int[] trim(String source, int start, int end) {
        while (start < end && Character.isWhitespace(source.charAt(start))) {
            start++;
        }
        while (end > start && Character.isWhitespace(source.charAt(end - 1))) {
            end--;
        }
        return new int[] {start, end};
    }
}
