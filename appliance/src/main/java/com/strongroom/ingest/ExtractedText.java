package com.strongroom.ingest;

import java.util.Map;
import java.util.Objects;

/**
 * Text extracted from a document.
 *
 * @param text the text, NFC-normalised, lines separated by {@code \n}, PDF pages by {@code \f}
 * @param mediaType the type the content was read as (may differ from what was declared)
 * @param properties what the format tells about the document: {@code title}, {@code author},
 *     {@code page_count}, {@code row_count}…; values are strings or numbers
 */
public record ExtractedText(String text, String mediaType, Map<String, Object> properties) {
    public ExtractedText {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(mediaType, "mediaType");
        properties = Map.copyOf(properties);
    }
}
