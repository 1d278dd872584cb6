package com.strongroom.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.strongroom.ingest.ExtractionBudget.BoundedText;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Every scalar of a JSON document as a {@code key.path: value} line, so keys, numbers and booleans
 * are searchable along with the strings. Array indexes are left out of the path ({@code
 * items.name: Widget}): the lines keep document order, so items stay together. Several root values
 * in a row (JSON Lines) are read one after the other.
 */
final class JsonText {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(256)
                    .maxNameLength(10_000)
                    .build())
            .build();

    private JsonText() {}

    /** Longest key path kept: deep nesting of long names would otherwise repeat megabytes per leaf. */
    static final int MAX_KEY_PATH_CHARS = 1_000;

    static String extract(String json, ExtractionBudget budget) {
        BoundedText out = budget.newText();
        try (JsonParser p = FACTORY.createParser(json)) {
            Deque<String> prefixes = new ArrayDeque<>();
            prefixes.push("");
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                switch (t) {
                    case START_OBJECT, START_ARRAY -> {
                        budget.check();
                        prefixes.push(join(prefixes.peek(), p.currentName()));
                    }
                    case END_OBJECT, END_ARRAY -> prefixes.pop();
                    case FIELD_NAME, VALUE_NULL, NOT_AVAILABLE, VALUE_EMBEDDED_OBJECT -> {}
                    default -> {
                        String key = join(prefixes.peek(), p.currentName());
                        if (!key.isEmpty()) {
                            out.append(key).append(": ");
                        }
                        out.append(p.getText()).append('\n');
                    }
                }
            }
        } catch (StreamConstraintsException e) {
            throw new UnreadableDocumentException("The JSON document is nested too deeply or has an oversized name.");
        } catch (JsonProcessingException e) {
            // Jackson's message quotes the offending token: report only where it is.
            JsonLocation at = e.getLocation();
            throw new UnreadableDocumentException("The document is not valid JSON"
                    + (at == null ? "." : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")."));
        } catch (IOException e) {
            throw new UnreadableDocumentException("The JSON document could not be read.");
        }
        return out.toString();
    }

    static boolean isJson(String text) {
        try (JsonParser p = FACTORY.createParser(text)) {
            while (p.nextToken() != null) {
                // read to the end
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String join(String prefix, String name) {
        if (name == null || name.isEmpty()) {
            return prefix;
        }
        if (prefix.length() + 1L + name.length() > MAX_KEY_PATH_CHARS) {
            throw new UnreadableDocumentException("The JSON document has a key path longer than " + MAX_KEY_PATH_CHARS
                    + " characters (names nested too deeply or too long).");
        }
        return prefix.isEmpty() ? name : prefix + "." + name;
    }
}
