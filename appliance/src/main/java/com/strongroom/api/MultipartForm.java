package com.strongroom.api;

import io.helidon.http.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.fileupload2.core.MultipartInput;
import org.apache.commons.fileupload2.core.ParameterParser;

/**
 * A multipart/form-data body read into memory, part by part, with a size cap per part: nothing is
 * spooled to temporary files (an upload is customer data and may only reach the disk encrypted).
 * Helidon 4.3.1's multipart module is not on the reachable Maven Central, so the parsing is
 * commons-fileupload2's streaming {@link MultipartInput}.
 */
final class MultipartForm {
    record Part(String name, String filename, String contentType, byte[] content) {}

    private final Map<String, Part> parts;

    private MultipartForm(Map<String, Part> parts) {
        this.parts = parts;
    }

    Part part(String name) {
        return parts.get(name);
    }

    static boolean isMultipart(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
    }

    static MultipartForm read(InputStream body, String contentType, long maxPartBytes, int maxParts) {
        Map<String, String> params = parameters(contentType);
        String boundary = params.get("boundary");
        if (boundary == null || boundary.isEmpty()) {
            throw badRequest("multipart/form-data without a boundary");
        }
        Map<String, Part> parts = new LinkedHashMap<>();
        try {
            MultipartInput input = MultipartInput.builder()
                    .setInputStream(body)
                    .setBoundary(boundary.getBytes(StandardCharsets.ISO_8859_1))
                    .get();
            boolean next = input.skipPreamble();
            while (next) {
                if (parts.size() >= maxParts) {
                    throw badRequest("more than " + maxParts + " parts");
                }
                Map<String, String> headers = headers(input.readHeaders());
                Map<String, String> disposition = parameters(headers.getOrDefault("content-disposition", ""));
                String name = disposition.get("name");
                CappedBuffer content = new CappedBuffer(maxPartBytes);
                input.readBodyData(content);
                if (name != null && !parts.containsKey(name)) {
                    parts.put(
                            name,
                            new Part(
                                    name,
                                    disposition.get("filename"),
                                    headers.get("content-type"),
                                    content.toByteArray()));
                }
                next = input.readBoundary();
            }
        } catch (UncheckedTooLarge e) {
            throw new ApiException(
                    Status.REQUEST_ENTITY_TOO_LARGE_413,
                    "file_too_large",
                    "A part of the upload is larger than " + maxPartBytes / (1024 * 1024) + " MiB.");
        } catch (IOException e) {
            throw badRequest("the multipart body is malformed");
        }
        return new MultipartForm(parts);
    }

    private static Map<String, String> parameters(String header) {
        ParameterParser parser = new ParameterParser();
        parser.setLowerCaseNames(true);
        return parser.parse(header, ';');
    }

    private static Map<String, String> headers(String block) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line : block.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(
                        line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        line.substring(colon + 1).trim());
            }
        }
        return headers;
    }

    private static ApiException badRequest(String what) {
        return new ApiException(Status.BAD_REQUEST_400, "invalid_multipart", "The upload is not valid: " + what + ".");
    }

    /** Stops reading as soon as a part passes the cap, instead of buffering all of it first. */
    private static final class CappedBuffer extends ByteArrayOutputStream {
        private final long cap;

        CappedBuffer(long cap) {
            this.cap = cap;
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            if (count + (long) len > cap) {
                throw new UncheckedTooLarge();
            }
            super.write(b, off, len);
        }

        @Override
        public synchronized void write(int b) {
            if (count + 1L > cap) {
                throw new UncheckedTooLarge();
            }
            super.write(b);
        }
    }

    private static final class UncheckedTooLarge extends RuntimeException {}
}
