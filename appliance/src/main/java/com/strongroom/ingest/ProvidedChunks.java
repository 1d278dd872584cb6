package com.strongroom.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A document a client chunked and embedded itself: {@code [{content, vector}]}. Stored (sealed)
 * like any original under its own media type; offsets refer to the chunks joined by blank lines.
 */
public final class ProvidedChunks {
    public static final String MEDIA_TYPE = "application/vnd.strongroom.chunks+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SEPARATOR = "\n\n";

    public record Item(String content, float[] vector) {}

    public record Decoded(List<Chunk> chunks, List<float[]> vectors) {}

    private ProvidedChunks() {}

    public static byte[] encode(List<Item> items) {
        ArrayNode array = JSON.createArrayNode();
        for (Item item : items) {
            ObjectNode o = array.addObject().put("content", item.content());
            ArrayNode v = o.putArray("vector");
            for (float f : item.vector()) {
                v.add(f);
            }
        }
        return array.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static Decoded decode(byte[] stored) {
        JsonNode array;
        try {
            array = JSON.readTree(stored);
        } catch (IOException e) {
            throw new UnreadableDocumentException("The stored chunks are not valid JSON.");
        }
        List<Chunk> chunks = new ArrayList<>();
        List<float[]> vectors = new ArrayList<>();
        int offset = 0;
        for (JsonNode item : array) {
            String content = item.path("content").asText();
            JsonNode v = item.path("vector");
            float[] vector = new float[v.size()];
            for (int d = 0; d < vector.length; d++) {
                vector[d] = (float) v.get(d).asDouble();
            }
            chunks.add(new Chunk(content, offset, offset + content.length(), null));
            vectors.add(vector);
            offset += content.length() + SEPARATOR.length();
        }
        return new Decoded(chunks, vectors);
    }
}
