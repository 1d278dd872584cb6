package com.strongroom.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.fontbox.FontBoxFont;
import org.apache.fontbox.ttf.TTFParser;
import org.apache.fontbox.ttf.TrueTypeFont;
import org.apache.pdfbox.io.RandomAccessReadBuffer;
import org.apache.pdfbox.pdmodel.font.CIDFontMapping;
import org.apache.pdfbox.pdmodel.font.FontMapper;
import org.apache.pdfbox.pdmodel.font.FontMapping;
import org.apache.pdfbox.pdmodel.font.PDCIDSystemInfo;
import org.apache.pdfbox.pdmodel.font.PDFontDescriptor;

/**
 * Maps every font a PDF does not embed to the Liberation Sans inside the PDFBox jar.
 *
 * <p>PDFBox's default mapper scans the system's fonts on first use (seconds) and writes a font
 * cache file to the home directory. Text extraction needs no glyph shapes — widths come from the
 * PDF or the standard-14 metrics, Unicode from the encoding — so the appliance does without both
 * the scan and the file. Mappings are not flagged as fallbacks: the flag only makes PDFBox log a
 * warning per font per document, which says nothing useful when no glyph is ever drawn.
 */
final class TextOnlyFontMapper implements FontMapper {
    static final TextOnlyFontMapper INSTANCE = new TextOnlyFontMapper();
    private static final String FONT = "/org/apache/pdfbox/resources/ttf/LiberationSans-Regular.ttf";

    private volatile TrueTypeFont fallback;

    private TextOnlyFontMapper() {}

    private TrueTypeFont fallback() {
        TrueTypeFont f = fallback;
        if (f == null) {
            synchronized (this) {
                if (fallback == null) {
                    try (InputStream in = FontMapper.class.getResourceAsStream(FONT)) {
                        if (in == null) {
                            throw new IllegalStateException("PDFBox's fallback font is missing: " + FONT);
                        }
                        fallback = new TTFParser().parse(new RandomAccessReadBuffer(in));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                f = fallback;
            }
        }
        return f;
    }

    @Override
    public FontMapping<TrueTypeFont> getTrueTypeFont(String baseFont, PDFontDescriptor fontDescriptor) {
        return new FontMapping<>(fallback(), false);
    }

    @Override
    public FontMapping<FontBoxFont> getFontBoxFont(String baseFont, PDFontDescriptor fontDescriptor) {
        return new FontMapping<>(fallback(), false);
    }

    @Override
    public CIDFontMapping getCIDFont(String baseFont, PDFontDescriptor fontDescriptor, PDCIDSystemInfo cidSystemInfo) {
        return new CIDFontMapping(null, fallback(), false);
    }
}
