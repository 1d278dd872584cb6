package com.strongroom.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.strongroom.ingest.ProvidedChunks;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A JSON object from a request, read field by field. Problems are collected, not thrown one at a
 * time, so a client sees every invalid field in one 422 answer:
 * {@code details: [{"field": "name", "message": "must be 1..200 characters"}]}.
 */
public final class RequestBody {
    private final ObjectNode body;
    private final List<Map<String, String>> problems = new ArrayList<>();

    private RequestBody(ObjectNode body) {
        this.body = body;
    }

    /** Largest JSON body accepted where no other limit applies. */
    static final int MAX_JSON_BYTES = 1 << 20;

    /** Reads the request as a JSON object that may only contain {@code allowed} fields. */
    public static RequestBody read(ServerRequest req, Set<String> allowed) {
        return parse(bytes(req, MAX_JSON_BYTES), allowed);
    }

    /** The whole body, refused with 413 beyond {@code max} bytes without reading further. */
    static byte[] bytes(ServerRequest req, long max) {
        if (req.headers().contentLength().orElse(0) > max) {
            throw tooLarge(max);
        }
        try (java.io.InputStream in = req.content().inputStream()) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (bytes.length > max) {
                throw tooLarge(max);
            }
            return bytes;
        } catch (io.helidon.common.buffers.DataReader.InsufficientDataAvailableException e) {
            // The client went away before sending the body it announced: its request, not our fault.
            throw new ApiException(
                    Status.BAD_REQUEST_400, "bad_request", "The request body ended before its declared length.");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ApiException tooLarge(long max) {
        return new ApiException(
                Status.REQUEST_ENTITY_TOO_LARGE_413,
                "request_too_large",
                "The request body is larger than " + (max >= 1 << 20 ? max / (1 << 20) + " MiB." : max + " bytes."));
    }

    public static RequestBody parse(byte[] bytes, Set<String> allowed) {
        JsonNode node;
        try {
            node = bytes.length == 0 ? null : Json.MAPPER.readTree(bytes);
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            throw new ApiException(
                    Status.BAD_REQUEST_400,
                    "invalid_json",
                    "The request body nests deeper than " + Json.MAX_NESTING_DEPTH + " levels.");
        } catch (JsonProcessingException e) {
            com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
            throw new ApiException(
                    Status.BAD_REQUEST_400,
                    "invalid_json",
                    "The request body is not valid JSON"
                            + (at == null ? "." : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")."));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new ApiException(Status.BAD_REQUEST_400, "invalid_json", "The request body must be a JSON object.");
        }
        RequestBody body = new RequestBody(object);
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                body.problem(name, "unknown field");
            }
        }
        return body;
    }

    public void problem(String field, String message) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("field", field);
        p.put("message", message);
        problems.add(p);
    }

    /** The field as parsed JSON, or null; for shapes the typed readers do not cover. */
    public JsonNode raw(String field) {
        return body.get(field);
    }

    public boolean has(String field) {
        return body.has(field) && !body.get(field).isNull();
    }

    /** A string of {@code min..max} characters (trimmed); empty when absent and not required. */
    public Optional<String> string(String field, int min, int max, boolean required) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                problem(field, "is required");
            }
            return Optional.empty();
        }
        if (!v.isTextual()) {
            problem(field, "must be a string");
            return Optional.empty();
        }
        String s = v.asText().strip();
        if (s.length() < min || s.length() > max) {
            problem(
                    field,
                    min == max ? "must be " + min + " characters" : "must be " + min + ".." + max + " characters");
            return Optional.empty();
        }
        return Optional.of(s);
    }

    /** An integer in {@code min..max}; {@code fallback} when absent. */
    public int integer(String field, int min, int max, int fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            problem(field, "must be an integer");
            return fallback;
        }
        int i = v.intValue();
        if (i < min || i > max) {
            problem(field, "must be " + min + ".." + max);
            return fallback;
        }
        return i;
    }

    /** A JSON object as plain Java values (String, Number, Boolean, List, Map); empty when absent. */
    public Map<String, Object> object(String field, int maxBytes) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return Map.of();
        }
        if (!v.isObject()) {
            problem(field, "must be an object");
            return Map.of();
        }
        if (v.toString().length() > maxBytes) {
            problem(field, "must be at most " + maxBytes + " bytes of JSON");
            return Map.of();
        }
        return Json.MAPPER.convertValue(v, Json.MAP_TYPE);
    }

    /** An array of numbers as floats; null when absent. */
    public float[] floats(String field, int maxLength) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray() || v.isEmpty() || v.size() > maxLength) {
            problem(field, "must be an array of 1.." + maxLength + " numbers");
            return null;
        }
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode n = v.get(i);
            if (!n.isNumber()) {
                problem(field + "[" + i + "]", "must be a number");
                return null;
            }
            out[i] = n.floatValue();
        }
        return out;
    }

    /** An array of {content, vector} objects with vectors of exactly {@code dimensions} numbers. */
    public List<ProvidedChunks.Item> chunks(String field, int max, int dimensions) {
        JsonNode v = body.get(field);
        List<ProvidedChunks.Item> out = new ArrayList<>();
        if (v == null || !v.isArray() || v.isEmpty() || v.size() > max) {
            problem(field, "must be an array of 1.." + max + " {content, vector} objects");
            return out;
        }
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            String at = field + "[" + i + "]";
            JsonNode content = item.get("content");
            JsonNode vector = item.get("vector");
            if (!item.isObject()
                    || content == null
                    || !content.isTextual()
                    || content.asText().isBlank()) {
                problem(at + ".content", "is required text");
                continue;
            }
            if (vector == null || !vector.isArray() || vector.size() != dimensions) {
                problem(at + ".vector", "must be " + dimensions + " numbers, the dataset's dimension");
                continue;
            }
            float[] f = new float[dimensions];
            double norm = 0;
            boolean numbers = true;
            for (int d = 0; d < dimensions && numbers; d++) {
                numbers = vector.get(d).isNumber();
                f[d] = vector.get(d).floatValue();
                norm += (double) f[d] * f[d];
            }
            if (!numbers || norm == 0 || !Double.isFinite(norm)) {
                problem(at + ".vector", "must hold finite numbers, not all zero");
                continue;
            }
            out.add(new ProvidedChunks.Item(content.asText(), f));
        }
        return out;
    }

    /** Throws 422 {@code validation_error} listing every problem, if there is any. */
    public void validate() {
        if (!problems.isEmpty()) {
            String first = problems.getFirst().get("field") + ": "
                    + problems.getFirst().get("message");
            throw new ApiException(
                    Status.UNPROCESSABLE_CONTENT_422,
                    "validation_error",
                    "The request has " + problems.size() + " invalid field(s); first: " + first + ".",
                    List.copyOf(problems));
        }
    }
}
