package com.strongroom.ingest;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipInputStream;
import org.apache.poi.ooxml.POIXMLProperties;
import org.apache.poi.openxml4j.util.ZipInputStreamZipEntrySource;
import org.apache.poi.openxml4j.util.ZipSecureFile;
import org.apache.poi.util.TempFile;
import org.apache.poi.util.TempFileCreationStrategy;
import org.apache.poi.xwpf.usermodel.IBodyElement;
import org.apache.poi.xwpf.usermodel.XWPFAbstractFootnoteEndnote;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFParagraph;
import org.apache.poi.xwpf.usermodel.XWPFSDT;
import org.apache.poi.xwpf.usermodel.XWPFTable;
import org.apache.poi.xwpf.usermodel.XWPFTableCell;
import org.apache.poi.xwpf.usermodel.XWPFTableRow;

/**
 * Text of a Word document (DOCX) with Apache POI's XWPF: paragraphs (headings too) as lines,
 * table rows as lines with cells joined by {@code " | "}, then footnotes and endnotes. Headers and
 * footers are left out: they repeat on every page and say little.
 *
 * <p>Decompression bombs: before POI sees the archive, it is inflated once as a stream (nothing
 * kept) and refused past {@link DocumentLimits#maxArchiveEntries()} entries or {@link
 * DocumentLimits#maxUnpackedBytes()} bytes in total; POI's own {@link ZipSecureFile} checks (an
 * entry may not inflate more than 100-fold, nor past 256 MiB) stay on as a second lock.
 *
 * <p>No temp files: the package is opened from an input stream, which POI reads into memory
 * ({@link ZipInputStreamZipEntrySource} with its temp-file threshold at -1, "never"), and POI's
 * {@link TempFile} strategy is replaced by one that refuses, so any code path in POI that would
 * write a temp file fails instead of writing plaintext to disk. Both settings are global to the
 * JVM; nothing else in the appliance uses POI.
 */
final class DocxText {
    static final long POI_MAX_ENTRY_SIZE = 256L * 1024 * 1024;

    static {
        ZipSecureFile.setMinInflateRatio(0.01);
        ZipSecureFile.setMaxEntrySize(POI_MAX_ENTRY_SIZE);
        ZipSecureFile.setMaxFileCount(10_000);
        ZipInputStreamZipEntrySource.setThresholdBytesForTempFiles(-1);
        TempFile.setTempFileCreationStrategy(NoTempFiles.INSTANCE);
    }

    private DocxText() {}

    static String extract(
            byte[] content, DocumentLimits limits, Map<String, Object> properties, ExtractionBudget budget) {
        checkArchive(content, limits);
        try (XWPFDocument doc = new XWPFDocument(new ByteArrayInputStream(content))) {
            readProperties(doc, properties);
            budget.check();
            Lines out = new Lines(budget);
            for (IBodyElement element : doc.getBodyElements()) {
                append(element, out);
            }
            List<XWPFAbstractFootnoteEndnote> notes = new ArrayList<>(doc.getFootnotes());
            notes.addAll(doc.getEndnotes());
            for (XWPFAbstractFootnoteEndnote note : notes) {
                for (XWPFParagraph p : note.getParagraphs()) {
                    out.line(p.getText());
                }
            }
            return out.toString();
        } catch (DocumentRejectedException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            if (String.valueOf(e.getMessage()).contains("Zip bomb")) {
                throw bomb();
            }
            throw new UnreadableDocumentException("The DOCX is damaged or not a valid Word document.");
        } catch (StackOverflowError e) {
            throw new UnreadableDocumentException("The DOCX is nested too deeply to read.");
        }
    }

    private static void append(IBodyElement element, Lines out) {
        switch (element) {
            case XWPFParagraph p -> {
                String style = String.valueOf(p.getStyle());
                if (style.startsWith("Heading") || style.equals("Title")) {
                    out.blankLine();
                }
                out.line(p.getText());
            }
            case XWPFTable t -> {
                out.blankLine();
                for (XWPFTableRow row : t.getRows()) {
                    List<String> cells = new ArrayList<>();
                    for (XWPFTableCell cell : row.getTableCells()) {
                        cells.add(Whitespace.joinLines(cell.getTextRecursively().strip()));
                    }
                    out.line(String.join(" | ", cells));
                }
                out.blankLine();
            }
            case XWPFSDT sdt -> out.line(sdt.getContent().getText());
            default -> {}
        }
    }

    private static void readProperties(XWPFDocument doc, Map<String, Object> properties) {
        POIXMLProperties props = doc.getProperties();
        String title = props.getCoreProperties().getTitle();
        if (title != null && !title.isBlank()) {
            properties.put("title", title.strip());
        }
        String creator = props.getCoreProperties().getCreator();
        if (creator != null && !creator.isBlank()) {
            properties.put("author", creator.strip());
        }
        int pages = props.getExtendedProperties().getPages(); // as last saved by Word; 0 if unknown
        if (pages > 0) {
            properties.put("page_count", pages);
        }
    }

    /** Inflates the archive once without keeping anything, to refuse bombs before POI buffers them. */
    static void checkArchive(byte[] content, DocumentLimits limits) {
        byte[] sink = new byte[64 * 1024];
        long total = 0;
        int entries = 0;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(content))) {
            while (zip.getNextEntry() != null) {
                if (++entries > limits.maxArchiveEntries()) {
                    throw new UnreadableDocumentException("The DOCX has more than " + limits.maxArchiveEntries()
                            + " entries; it is refused as a possible decompression bomb.");
                }
                int n;
                while ((n = zip.read(sink)) > 0) {
                    total += n;
                    if (total > limits.maxUnpackedBytes()) {
                        throw bomb();
                    }
                }
            }
        } catch (IOException e) {
            throw new UnreadableDocumentException("The DOCX is damaged or not a valid Word document.");
        }
        if (entries == 0) {
            throw new UnreadableDocumentException("The DOCX is damaged or not a valid Word document.");
        }
    }

    private static UnreadableDocumentException bomb() {
        return new UnreadableDocumentException(
                "The DOCX expands to too much data; it is refused as a possible decompression bomb.");
    }

    /** Lines of text with a character budget. */
    private static final class Lines {
        private final ExtractionBudget.BoundedText text;

        Lines(ExtractionBudget budget) {
            this.text = budget.newText();
        }

        void line(String s) {
            if (s == null || s.isBlank()) {
                return;
            }
            text.append(s).append('\n');
        }

        void blankLine() {
            int n = text.length();
            if (n > 0 && !(n >= 2 && text.charAt(n - 1) == '\n' && text.charAt(n - 2) == '\n')) {
                text.append('\n');
            }
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }

    /** POI's temp files, refused: plaintext never goes to disk. */
    private enum NoTempFiles implements TempFileCreationStrategy {
        INSTANCE;

        @Override
        public File createTempFile(String prefix, String suffix) throws IOException {
            throw new IOException("temp files are disabled: document content must not be written to disk");
        }

        @Override
        public File createTempDirectory(String prefix) throws IOException {
            throw new IOException("temp files are disabled: document content must not be written to disk");
        }
    }
}
