package com.strongroom.ingest;

import com.strongroom.ingest.ExtractionBudget.BoundedText;
import java.io.StringReader;
import javax.xml.XMLConstants;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * The text content of an XML document, one line per run of text between tags.
 *
 * <p>The parser is the JDK's StAX reader with DTD support off: a DOCTYPE is skipped unread, no
 * entity is ever declared, so no external entity (file, URL) is fetched (XXE) and no entity is
 * expanded (billion laughs). Only the five predefined entities and character references work;
 * any other entity reference makes the document unreadable. External DTD and schema access are
 * also forbidden as a second lock.
 */
final class XmlText {
    private static final XMLInputFactory FACTORY = safeFactory();

    private XmlText() {}

    static XMLInputFactory safeFactory() {
        // The JDK's own implementation, whatever else is on the class path.
        XMLInputFactory f = XMLInputFactory.newDefaultFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        f.setProperty(XMLInputFactory.IS_COALESCING, true);
        f.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        f.setXMLResolver((publicId, systemId, baseUri, namespace) -> {
            throw new XMLStreamException("external resources are not resolved");
        });
        return f;
    }

    static String extract(String xml, ExtractionBudget budget) {
        BoundedText out = budget.newText();
        StringBuilder run = new StringBuilder();
        XMLStreamReader r = null;
        try {
            // A character stream: the encoding was decided by TextExtractor, the declaration is ignored.
            r = FACTORY.createXMLStreamReader(new StringReader(xml));
            while (r.hasNext()) {
                switch (r.next()) {
                    case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE ->
                        run.append(r.getText());
                    case XMLStreamConstants.ENTITY_REFERENCE ->
                        throw new UnreadableDocumentException(
                                "The XML document uses entities declared in a DTD, which are not accepted.");
                    case XMLStreamConstants.START_ELEMENT, XMLStreamConstants.END_ELEMENT -> {
                        budget.check();
                        flush(run, out);
                    }
                    default -> {}
                }
            }
            flush(run, out);
        } catch (XMLStreamException e) {
            // The parser's message may quote the document: report only where it failed.
            var at = e.getLocation();
            throw new UnreadableDocumentException("The document is not well-formed XML"
                    + (at == null || at.getLineNumber() < 0
                            ? "."
                            : " (line " + at.getLineNumber() + ", column " + at.getColumnNumber() + ")."));
        } finally {
            if (r != null) {
                try {
                    r.close();
                } catch (XMLStreamException ignored) {
                    // nothing held but the string
                }
            }
        }
        return out.toString();
    }

    private static void flush(StringBuilder run, BoundedText out) {
        String text = run.toString().strip();
        run.setLength(0);
        if (!text.isEmpty()) {
            out.append(Whitespace.tidyLineBreaks(text)).append('\n');
        }
    }
}
