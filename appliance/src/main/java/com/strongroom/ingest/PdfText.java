package com.strongroom.ingest;

import java.io.IOException;
import java.io.Writer;
import java.util.Map;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.io.MemoryUsageSetting;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;
import org.apache.pdfbox.pdmodel.font.FontMappers;
import org.apache.pdfbox.text.PDFTextStripper;

/**
 * Text of a PDF with Apache PDFBox 3, page by page; each page ends with a line holding only a form feed.
 *
 * <p>No temp files: the document is parsed from the byte array ({@code RandomAccessReadBuffer}
 * inside {@link Loader#loadPDF(byte[], String, java.io.InputStream, String,
 * org.apache.pdfbox.io.RandomAccessStreamCache.StreamCacheCreateFunction)}) and decoded streams
 * are cached by a main-memory-only {@link MemoryUsageSetting} capped at {@link
 * DocumentLimits#maxPdfMemoryBytes()} — PDFBox's scratch file is never created. PDFBox's system
 * font scan, which writes a font cache to the home directory, is replaced by {@link
 * TextOnlyFontMapper}.
 */
final class PdfText {
    static {
        FontMappers.set(TextOnlyFontMapper.INSTANCE);
    }

    private PdfText() {}

    static String extract(
            byte[] content, DocumentLimits limits, Map<String, Object> properties, ExtractionBudget budget) {
        var memoryOnly = MemoryUsageSetting.setupMainMemoryOnly(limits.maxPdfMemoryBytes());
        try (PDDocument doc = Loader.loadPDF(content, "", null, null, memoryOnly.streamCache)) {
            int pages = doc.getNumberOfPages();
            if (pages > limits.maxPdfPages()) {
                throw new UnreadableDocumentException(
                        "The PDF has " + pages + " pages; the limit is " + limits.maxPdfPages() + ".");
            }
            properties.put("page_count", pages);
            PDDocumentInformation info = doc.getDocumentInformation();
            putIfPresent(properties, "title", info.getTitle());
            putIfPresent(properties, "author", info.getAuthor());
            budget.check();
            PDFTextStripper stripper = new PDFTextStripper() {
                @Override
                protected void startPage(org.apache.pdfbox.pdmodel.PDPage page) throws IOException {
                    budget.check(); // a page can take long to lay out: look at the clock before each
                    super.startPage(page);
                }
            };
            stripper.setLineSeparator("\n");
            stripper.setPageEnd("\n\f\n");
            BoundedWriter out = new BoundedWriter(budget);
            stripper.writeText(doc, out);
            return out.toString();
        } catch (DocumentRejectedException e) {
            throw e;
        } catch (InvalidPasswordException e) {
            throw new UnreadableDocumentException(
                    "The PDF is encrypted with a password; remove the password and upload it again.");
        } catch (IOException | RuntimeException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("Maximum allowed scratch file memory exceeded")) {
                throw new UnreadableDocumentException("The PDF needs more than "
                        + limits.maxPdfMemoryBytes() / (1024 * 1024) + " MiB of memory to read.");
            }
            throw new UnreadableDocumentException("The PDF is damaged or not a valid PDF document.");
        } catch (StackOverflowError e) {
            throw new UnreadableDocumentException("The PDF is nested too deeply to read.");
        }
    }

    private static void putIfPresent(Map<String, Object> properties, String key, String value) {
        if (value != null && !value.isBlank()) {
            properties.put(key, value.strip());
        }
    }

    /** A writer that refuses to grow past the text limit, so a huge PDF stops early. */
    private static final class BoundedWriter extends Writer {
        private final ExtractionBudget.BoundedText text;

        BoundedWriter(ExtractionBudget budget) {
            this.text = budget.newText();
        }

        @Override
        public void write(char[] buf, int off, int len) {
            text.append(java.nio.CharBuffer.wrap(buf, off, len));
        }

        @Override
        public void write(String s, int off, int len) {
            text.append(s.subSequence(off, off + len));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
