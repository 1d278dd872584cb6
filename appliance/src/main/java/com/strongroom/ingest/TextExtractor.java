package com.strongroom.ingest;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Turns an uploaded document into text for chunking and embedding.
 *
 * <p>The type comes from the bytes first, then the file name's extension, then the declared
 * content type: a PDF or DOCX is read as such whatever its label, a file labelled PDF or DOCX
 * whose bytes are not is refused (422), and binary content of any other kind (an image, a
 * legacy {@code .doc}, an archive) is refused as unsupported (415). Text types are decoded as
 * UTF-8 (a BOM is dropped; UTF-16 with a BOM is understood), or windows-1252 when the bytes are
 * not valid UTF-8.
 *
 * <p>One small, well-kept library per format — jsoup (HTML), Apache PDFBox (PDF), Apache POI
 * (DOCX), Jackson (JSON) and the JDK's StAX (XML) — rather than Apache Tika, whose parser bundle
 * (dozens of formats, hundreds of MB of dependencies) is far too heavy for an appliance.
 *
 * <p>Nothing is ever written to disk: PDFBox and POI are configured to keep everything in
 * memory, within the bounds of {@link DocumentLimits} (see {@code docs/ingestion.md}).
 *
 * <p>Thread-safe; one instance serves the whole appliance.
 */
public final class TextExtractor {
    private static final int SNIFF_BYTES = 8 * 1024;
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x08\\x0B\\x0E-\\x1F\\x7F\\uFEFF]");

    /** The default time budget per document ({@code documents.extraction-time-budget}). */
    public static final Duration DEFAULT_TIME_BUDGET = Duration.ofSeconds(60);

    /**
     * Extracted text may have at most this many characters per byte of the document (plus {@link
     * #TEXT_FLOOR_CHARS}), whatever the format: a CSV cell separator becomes {@code " | "}, a JSON
     * leaf gets its key path; anything growing further is refused rather than held in memory.
     */
    static final int MAX_CHARS_PER_BYTE = 8;

    static final int TEXT_FLOOR_CHARS = 64 * 1024;

    /**
     * Extractions running at once, those abandoned after their budget included: a parser that
     * ignores interruption keeps its thread, but never more than this many of them.
     */
    static final int MAX_RUNNING_EXTRACTIONS = 4;

    private final DocumentLimits limits;
    private final Duration timeBudget;
    private final Semaphore running = new Semaphore(MAX_RUNNING_EXTRACTIONS);

    private TextExtractor(DocumentLimits limits, Duration timeBudget) {
        if (timeBudget.isNegative() || timeBudget.isZero()) {
            throw new IllegalArgumentException("timeBudget must be positive, was " + timeBudget);
        }
        this.limits = limits;
        this.timeBudget = timeBudget;
    }

    public static TextExtractor create() {
        return create(DocumentLimits.defaults());
    }

    public static TextExtractor create(DocumentLimits limits) {
        return create(limits, DEFAULT_TIME_BUDGET);
    }

    public static TextExtractor create(DocumentLimits limits, Duration timeBudget) {
        return new TextExtractor(limits, timeBudget);
    }

    public Duration timeBudget() {
        return timeBudget;
    }

    public DocumentLimits limits() {
        return limits;
    }

    /**
     * Extracts the text of one document.
     *
     * @param content the document's bytes
     * @param filename the uploaded file name, or null (a path is ignored but for its last part)
     * @param declaredContentType the declared content type, or null
     * @throws DocumentTooLargeException above {@link DocumentLimits#maxBytes()} (413)
     * @throws UnsupportedDocumentTypeException for a type not in {@link DocumentType} (415)
     * @throws UnreadableDocumentException when the document cannot be read or has no text, when
     *     its text would grow beyond {@link #MAX_CHARS_PER_BYTE} characters per byte, or when it
     *     takes longer than the time budget (422)
     */
    public ExtractedText extract(byte[] content, String filename, String declaredContentType) {
        if (content.length > limits.maxBytes()) {
            throw new DocumentTooLargeException(content.length, limits.maxBytes());
        }
        if (content.length == 0) {
            throw new UnreadableDocumentException("The document is empty.");
        }
        DocumentType type = detect(content, filename, declaredContentType);
        return withinBudget(() -> extract(content, type, budgetFor(content.length)));
    }

    private ExtractionBudget budgetFor(long bytes) {
        long relative = bytes * MAX_CHARS_PER_BYTE + TEXT_FLOOR_CHARS;
        if (relative < limits.maxTextChars()) {
            return new ExtractionBudget(
                    relative,
                    "The document's text would be more than " + MAX_CHARS_PER_BYTE
                            + " times its size in bytes; it is refused (deeply nested keys or structures repeated per value?).",
                    timeBudget);
        }
        return new ExtractionBudget(
                limits.maxTextChars(),
                "The document's text has more than " + limits.maxTextChars() + " characters, the limit.",
                timeBudget);
    }

    /**
     * Runs one extraction on a thread of its own and waits at most the time budget for it. The
     * extractors check the budget as they go and stop by themselves; a parser stuck where it does
     * not look (inside PDFBox, POI or jsoup) is interrupted and abandoned, so the caller — the
     * ingest worker — is never held longer than the budget.
     */
    private ExtractedText withinBudget(Callable<ExtractedText> work) {
        long deadline = System.nanoTime() + timeBudget.toNanos();
        try {
            if (!running.tryAcquire(timeBudget.toNanos(), TimeUnit.NANOSECONDS)) {
                throw ExtractionBudget.timedOut(timeBudget);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ExtractionBudget.timedOut(timeBudget);
        }
        FutureTask<ExtractedText> task = new FutureTask<>(work);
        try {
            Thread.ofPlatform().name("strongroom-extract").daemon().start(() -> {
                try {
                    task.run();
                } finally {
                    running.release();
                }
            });
        } catch (RuntimeException | Error e) {
            running.release();
            throw e;
        }
        try {
            return task.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            task.cancel(true);
            throw ExtractionBudget.timedOut(timeBudget);
        } catch (InterruptedException e) {
            task.cancel(true);
            Thread.currentThread().interrupt();
            throw ExtractionBudget.timedOut(timeBudget);
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case RuntimeException r -> throw r;
                case Error err -> throw err;
                default -> throw new UnreadableDocumentException("The document could not be read.");
            }
        }
    }

    private ExtractedText extract(byte[] content, DocumentType type, ExtractionBudget budget) {
        Map<String, Object> properties = new HashMap<>();
        String raw =
                switch (type) {
                    case PDF -> PdfText.extract(content, limits, properties, budget);
                    case DOCX -> DocxText.extract(content, limits, properties, budget);
                    default -> extractText(type, decode(content), properties, budget);
                };
        budget.check();
        String text = normalize(raw);
        budget.check();
        if (text.length() > limits.maxTextChars()) {
            throw new UnreadableDocumentException("The document's text has " + text.length()
                    + " characters; the limit is " + limits.maxTextChars() + ".");
        }
        if (text.isBlank()) {
            throw new UnreadableDocumentException(
                    type == DocumentType.PDF
                            ? "The PDF has no extractable text (a scanned document? OCR is not supported)."
                            : "The document contains no text.");
        }
        return new ExtractedText(text, type.mediaType(), properties);
    }

    private String extractText(
            DocumentType type, String decoded, Map<String, Object> properties, ExtractionBudget budget) {
        if (decoded.length() > limits.maxTextChars()) {
            throw new UnreadableDocumentException("The document's text has " + decoded.length()
                    + " characters; the limit is " + limits.maxTextChars() + ".");
        }
        return switch (type) {
            case HTML -> HtmlText.extract(decoded, properties, budget);
            case CSV -> CsvText.extract(decoded, properties, budget);
            case JSON -> JsonText.extract(decoded, budget);
            case XML -> XmlText.extract(decoded, budget);
            case MARKDOWN -> {
                MarkdownTitle.find(decoded).ifPresent(t -> properties.put("title", t));
                yield decoded;
            }
            default -> decoded; // plain text and YAML are searched as they are
        };
    }

    // ---- detection ----

    /**
     * The type {@link #extract} will read {@code content} as, decided by its bytes first, then the
     * file name, then the declared type; the API calls it at upload to answer 415 at once.
     *
     * @throws UnsupportedDocumentTypeException for a type not in {@link DocumentType} (415)
     * @throws UnreadableDocumentException when the bytes contradict a PDF/DOCX claim (422)
     */
    public static DocumentType detect(byte[] content, String filename, String declaredContentType) {
        Optional<DocumentType> byExtension = DocumentType.fromExtension(extension(filename));
        String declared = DocumentType.bareMediaType(declaredContentType);
        Optional<DocumentType> byDeclaration = DocumentType.fromMediaType(declared);
        Optional<DocumentType> claimed = byExtension.or(() -> byDeclaration);

        Sniffed sniffed = sniff(content);
        switch (sniffed) {
            case PDF:
                return DocumentType.PDF;
            case DOCX:
                return DocumentType.DOCX;
            case ENCRYPTED_OOXML:
                throw new UnreadableDocumentException(
                        "The document is password-protected (an encrypted Office file); remove the password and upload it again.");
            case OLE2:
                throw new UnsupportedDocumentTypeException(
                        "The content is a legacy Microsoft Office file (.doc, .xls, .ppt); save it as .docx or PDF");
            case OTHER_ZIP:
                if (claimed.orElse(null) == DocumentType.DOCX) {
                    throw new UnreadableDocumentException(
                            "The file is declared as DOCX but the archive holds no Word document (word/document.xml).");
                }
                throw new UnsupportedDocumentTypeException(
                        "The content is a ZIP archive that is not a Word document (e.g. XLSX, PPTX, ODT or a plain ZIP)");
            case BINARY:
                if (claimed.isPresent() && !claimed.get().isText()) {
                    throw notWhatItClaims(claimed.get());
                }
                throw new UnsupportedDocumentTypeException("The content is binary data of an unsupported type");
            default:
                if (sniffed.description != null) {
                    throw new UnsupportedDocumentTypeException("The content is " + sniffed.description);
                }
        }
        // Text from here on.
        if (claimed.isPresent()) {
            if (!claimed.get().isText()) {
                throw notWhatItClaims(claimed.get());
            }
            return claimed.get();
        }
        boolean declarationGeneric =
                DocumentType.UNINFORMATIVE_MEDIA_TYPES.contains(declared) || declared.startsWith("text/");
        if (!declarationGeneric) {
            throw new UnsupportedDocumentTypeException(
                    "The declared content type '" + printable(declared) + "' is not supported");
        }
        // No usable label (e.g. "notes" sent by curl as application/octet-stream): the text decides.
        return sniffTextType(content);
    }

    private static UnreadableDocumentException notWhatItClaims(DocumentType claimed) {
        String name = claimed == DocumentType.PDF ? "PDF" : "DOCX";
        return new UnreadableDocumentException("The file is declared as " + name + " but its content is not a " + name
                + " document (damaged, truncated or mislabelled).");
    }

    enum Sniffed {
        TEXT(null),
        PDF(null),
        DOCX(null),
        ENCRYPTED_OOXML(null),
        OLE2(null),
        OTHER_ZIP(null),
        BINARY(null),
        PNG("a PNG image"),
        JPEG("a JPEG image"),
        GIF("a GIF image"),
        WEBP("a WebP image"),
        TIFF("a TIFF image"),
        GZIP("a gzip archive"),
        SEVEN_ZIP("a 7-Zip archive"),
        RAR("a RAR archive"),
        RTF("an RTF document; save it as .docx or PDF"),
        EXECUTABLE("an executable");

        final String description;

        Sniffed(String description) {
            this.description = description;
        }
    }

    static Sniffed sniff(byte[] b) {
        if (indexOf(b, "%PDF-".getBytes(StandardCharsets.US_ASCII), 0, Math.min(b.length, 1024)) >= 0) {
            return Sniffed.PDF; // the PDF header may follow some junk within the first KB
        }
        if (startsWith(b, 'P', 'K', 3, 4) || startsWith(b, 'P', 'K', 5, 6)) {
            // File names in a ZIP are stored uncompressed, in the local headers and the central directory.
            return indexOf(b, "word/document.xml".getBytes(StandardCharsets.US_ASCII), 0, b.length) >= 0
                    ? Sniffed.DOCX
                    : Sniffed.OTHER_ZIP;
        }
        if (startsWith(b, 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1)) {
            // An encrypted DOCX/XLSX is an OLE2 container holding "EncryptedPackage" (names are UTF-16LE).
            return indexOf(b, "EncryptedPackage".getBytes(StandardCharsets.UTF_16LE), 0, b.length) >= 0
                    ? Sniffed.ENCRYPTED_OOXML
                    : Sniffed.OLE2;
        }
        if (startsWith(b, 0x89, 'P', 'N', 'G')) {
            return Sniffed.PNG;
        }
        if (startsWith(b, 0xFF, 0xD8, 0xFF)) {
            return Sniffed.JPEG;
        }
        if (startsWith(b, 'G', 'I', 'F', '8')) {
            return Sniffed.GIF;
        }
        if (startsWith(b, 'R', 'I', 'F', 'F') && b.length >= 12 && b[8] == 'W' && b[9] == 'E' && b[10] == 'B') {
            return Sniffed.WEBP;
        }
        if (startsWith(b, 'I', 'I', '*', 0) || startsWith(b, 'M', 'M', 0, '*')) {
            return Sniffed.TIFF;
        }
        if (startsWith(b, 0x1F, 0x8B)) {
            return Sniffed.GZIP;
        }
        if (startsWith(b, '7', 'z', 0xBC, 0xAF)) {
            return Sniffed.SEVEN_ZIP;
        }
        if (startsWith(b, 'R', 'a', 'r', '!')) {
            return Sniffed.RAR;
        }
        if (startsWith(b, '{', '\\', 'r', 't', 'f')) {
            return Sniffed.RTF;
        }
        if (startsWith(b, 0x7F, 'E', 'L', 'F') || startsWith(b, 'M', 'Z', 0x90, 0)) {
            return Sniffed.EXECUTABLE;
        }
        if (startsWith(b, 0xFF, 0xFE) || startsWith(b, 0xFE, 0xFF)) {
            return Sniffed.TEXT; // UTF-16 with a BOM: NUL bytes are expected
        }
        for (int i = 0; i < Math.min(b.length, SNIFF_BYTES); i++) {
            if (b[i] == 0) {
                return Sniffed.BINARY;
            }
        }
        return Sniffed.TEXT;
    }

    private static DocumentType sniffTextType(byte[] content) {
        String head = decode(Arrays.copyOf(content, Math.min(content.length, SNIFF_BYTES)))
                .stripLeading()
                .toLowerCase(Locale.ROOT);
        if (head.startsWith("<!doctype html") || head.startsWith("<html")) {
            return DocumentType.HTML;
        }
        if (head.startsWith("<?xml")) {
            return head.contains("<html") ? DocumentType.HTML : DocumentType.XML;
        }
        if ((head.startsWith("{") || head.startsWith("[")) && JsonText.isJson(decode(content))) {
            return DocumentType.JSON;
        }
        return DocumentType.PLAIN_TEXT;
    }

    static String extension(String filename) {
        if (filename == null) {
            return "";
        }
        String name = filename.substring(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1);
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
    }

    // ---- characters ----

    /** UTF-8 (BOM dropped), UTF-16 with a BOM, else windows-1252. */
    static String decode(byte[] b) {
        if (startsWith(b, 0xEF, 0xBB, 0xBF)) {
            return Charsets.utf8OrWindows1252(b, 3);
        }
        if (startsWith(b, 0xFF, 0xFE)) {
            return new String(b, 2, b.length - 2, StandardCharsets.UTF_16LE);
        }
        if (startsWith(b, 0xFE, 0xFF)) {
            return new String(b, 2, b.length - 2, StandardCharsets.UTF_16BE);
        }
        return Charsets.utf8OrWindows1252(b, 0);
    }

    /** Unix line ends, NFC, no control characters but tab, newline and form feed, at most one blank line in a row. */
    static String normalize(String text) {
        String s = text.replace("\r\n", "\n").replace('\r', '\n');
        s = Normalizer.normalize(s, Normalizer.Form.NFC);
        s = CONTROL.matcher(s).replaceAll("");
        s = Whitespace.withoutTrailingBlanks(s);
        s = Whitespace.withoutExtraBlankLines(s);
        return s.strip();
    }

    private static String printable(String declared) {
        String s = declared.replaceAll("[^a-z0-9.+/-]", "?");
        return s.length() > 100 ? s.substring(0, 100) + "…" : s;
    }

    private static boolean startsWith(byte[] b, int... prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((b[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    static int indexOf(byte[] haystack, byte[] needle, int from, int to) {
        outer:
        for (int i = from; i <= to - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
