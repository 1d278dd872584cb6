package com.strongroom.ingest;

/**
 * A piece of a document's text: {@code text} is exactly {@code source.substring(start, end)}, so
 * a hit can be shown in place. {@code heading} is the path of headings it sits under
 * ("Guide › Install"), or null.
 */
public record Chunk(String text, int start, int end, String heading) {}
