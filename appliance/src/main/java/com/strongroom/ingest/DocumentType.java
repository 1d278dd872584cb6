package com.strongroom.ingest;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The document types ingestion accepts, with the media type it reports and the file extensions it knows. */
public enum DocumentType {
    PLAIN_TEXT("text/plain", List.of("txt", "text", "log")),
    MARKDOWN("text/markdown", List.of("md", "markdown")),
    HTML("text/html", List.of("html", "htm", "xhtml")),
    CSV("text/csv", List.of("csv", "tsv")),
    JSON("application/json", List.of("json")),
    XML("application/xml", List.of("xml")),
    YAML("application/yaml", List.of("yaml", "yml")),
    PDF("application/pdf", List.of("pdf")),
    DOCX("application/vnd.openxmlformats-officedocument.wordprocessingml.document", List.of("docx"));

    private final String mediaType;
    private final List<String> extensions;

    DocumentType(String mediaType, List<String> extensions) {
        this.mediaType = mediaType;
        this.extensions = extensions;
    }

    public String mediaType() {
        return mediaType;
    }

    /** Lower-case extensions without the dot; the first is the usual one. */
    public List<String> extensions() {
        return extensions;
    }

    /** True for types decoded as characters (everything but PDF and DOCX). */
    public boolean isText() {
        return this != PDF && this != DOCX;
    }

    /** "txt, md, html, …" — for error messages and documentation. */
    public static String acceptedList() {
        return Stream.of(values()).map(t -> t.extensions.getFirst()).collect(Collectors.joining(", "));
    }

    static Optional<DocumentType> fromExtension(String extension) {
        if (extension == null || extension.isEmpty()) {
            return Optional.empty();
        }
        String ext = extension.toLowerCase(Locale.ROOT);
        return Stream.of(values()).filter(t -> t.extensions.contains(ext)).findFirst();
    }

    /**
     * The type a declared media type names, parameters ignored. Common aliases and the
     * {@code +json}/{@code +xml} structured suffixes of {@code application/*} are understood.
     */
    static Optional<DocumentType> fromMediaType(String mediaType) {
        String mt = bareMediaType(mediaType);
        if (mt.isEmpty()) {
            return Optional.empty();
        }
        for (DocumentType t : values()) {
            if (t.mediaType.equals(mt)) {
                return Optional.of(t);
            }
        }
        return Optional.ofNullable(
                switch (mt) {
                    case "text/x-markdown" -> MARKDOWN;
                    case "application/xhtml+xml" -> HTML;
                    case "text/comma-separated-values", "application/csv", "text/tab-separated-values" -> CSV;
                    case "text/json" -> JSON;
                    case "text/xml" -> XML;
                    case "application/x-yaml", "text/yaml", "text/x-yaml" -> YAML;
                    case "application/x-pdf" -> PDF;
                    default -> {
                        if (mt.startsWith("application/") && mt.endsWith("+json")) {
                            yield JSON;
                        }
                        if (mt.startsWith("application/") && mt.endsWith("+xml")) {
                            yield XML;
                        }
                        yield null;
                    }
                });
    }

    /** Declared types that say nothing about the content: no declaration at all, or a generic one. */
    static final Set<String> UNINFORMATIVE_MEDIA_TYPES =
            Set.of("", "application/octet-stream", "binary/octet-stream", "application/unknown");

    static String bareMediaType(String mediaType) {
        if (mediaType == null) {
            return "";
        }
        int semicolon = mediaType.indexOf(';');
        String bare = semicolon >= 0 ? mediaType.substring(0, semicolon) : mediaType;
        return bare.strip().toLowerCase(Locale.ROOT);
    }
}
