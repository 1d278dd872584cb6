package com.strongroom.ingest;

/**
 * Bounds on what one document may cost to extract. Anything above a bound is refused, never
 * truncated silently.
 *
 * @param maxBytes size of the document as uploaded (the API answers 413 above it)
 * @param maxTextChars characters of extracted text
 * @param maxPdfPages pages of a PDF
 * @param maxPdfMemoryBytes heap PDFBox may use for decoded streams of one PDF (never a temp file)
 * @param maxArchiveEntries entries of a DOCX (a ZIP archive)
 * @param maxUnpackedBytes total uncompressed size of a DOCX's entries (decompression bombs)
 */
public record DocumentLimits(
        long maxBytes,
        long maxTextChars,
        int maxPdfPages,
        long maxPdfMemoryBytes,
        int maxArchiveEntries,
        long maxUnpackedBytes) {

    /** 10 MiB: the default upload limit of the API. */
    public static final long DEFAULT_MAX_BYTES = 10L * 1024 * 1024;

    public DocumentLimits {
        requirePositive(maxBytes, "maxBytes");
        requirePositive(maxTextChars, "maxTextChars");
        requirePositive(maxPdfPages, "maxPdfPages");
        requirePositive(maxPdfMemoryBytes, "maxPdfMemoryBytes");
        requirePositive(maxArchiveEntries, "maxArchiveEntries");
        requirePositive(maxUnpackedBytes, "maxUnpackedBytes");
    }

    public static DocumentLimits defaults() {
        return new DocumentLimits(
                DEFAULT_MAX_BYTES, 32L * 1024 * 1024, 5_000, 256L * 1024 * 1024, 1_000, 256L * 1024 * 1024);
    }

    /** The defaults with another upload limit (the {@code ingest.max-bytes} setting). */
    public DocumentLimits withMaxBytes(long bytes) {
        return new DocumentLimits(
                bytes, maxTextChars, maxPdfPages, maxPdfMemoryBytes, maxArchiveEntries, maxUnpackedBytes);
    }

    private static void requirePositive(long value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
