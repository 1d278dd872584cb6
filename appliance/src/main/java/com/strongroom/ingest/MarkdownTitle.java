package com.strongroom.ingest;

import java.util.Optional;

final class MarkdownTitle {
    private MarkdownTitle() {}

    /** The first level-one ATX heading ({@code # Title}), if any. */
    static Optional<String> find(String markdown) {
        return markdown.lines()
                .limit(200)
                .map(String::strip)
                .filter(l -> l.startsWith("# "))
                .map(l -> Whitespace.withoutClosingHashes(l.substring(2)).strip())
                .filter(l -> !l.isEmpty())
                .findFirst();
    }
}
