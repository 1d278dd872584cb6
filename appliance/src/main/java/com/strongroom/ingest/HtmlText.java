package com.strongroom.ingest;

import com.strongroom.ingest.ExtractionBudget.BoundedText;
import java.util.Map;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;

/** Visible text of an HTML page: no script, style or hidden elements; block elements (headings too) as lines. */
final class HtmlText {
    private static final String INVISIBLE =
            "script, style, noscript, template, head, svg, canvas, iframe, object, embed, [hidden], [aria-hidden=true]";
    private static final Set<String> BLOCKS = Set.of(
            "address",
            "article",
            "aside",
            "blockquote",
            "br",
            "caption",
            "dd",
            "details",
            "div",
            "dl",
            "dt",
            "fieldset",
            "figcaption",
            "figure",
            "footer",
            "form",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "header",
            "hr",
            "li",
            "main",
            "nav",
            "ol",
            "p",
            "pre",
            "section",
            "summary",
            "table",
            "tbody",
            "thead",
            "tfoot",
            "tr",
            "ul");
    private static final Set<String> CELLS = Set.of("td", "th");

    private HtmlText() {}

    static String extract(String html, Map<String, Object> properties, ExtractionBudget budget) {
        Document doc = Jsoup.parse(html);
        budget.check();
        String title = doc.title().strip();
        if (!title.isEmpty()) {
            properties.put("title", title);
        }
        doc.select(INVISIBLE).remove();
        BoundedText out = budget.newText();
        // Linear in the size of the tree: whether a text is preformatted is counted on the way
        // down, and a cell's separator looks only at its neighbour, never at all its siblings.
        NodeTraversor.traverse(
                new NodeVisitor() {
                    private int preformatted;

                    @Override
                    public void head(Node node, int depth) {
                        if (node instanceof TextNode text) {
                            appendText(out, text, preformatted > 0);
                        } else if (node instanceof Element e) {
                            if (isPreformatted(e)) {
                                preformatted++;
                            }
                            if (BLOCKS.contains(e.normalName())) {
                                newLine(out);
                            } else if (CELLS.contains(e.normalName()) && e.previousElementSibling() != null) {
                                out.append(" | ");
                            }
                        }
                    }

                    @Override
                    public void tail(Node node, int depth) {
                        if (node instanceof Element e) {
                            if (isPreformatted(e)) {
                                preformatted--;
                            }
                            if (BLOCKS.contains(e.normalName())) {
                                newLine(out);
                            }
                        }
                    }
                },
                doc.body());
        return out.toString();
    }

    private static void appendText(BoundedText out, TextNode text, boolean pre) {
        if (pre) {
            out.append(text.getWholeText());
            return;
        }
        String s = text.getWholeText().replaceAll("[\\s\\u00A0]+", " ");
        if (s.isBlank()) {
            if (!s.isEmpty() && !out.isEmpty() && !Character.isWhitespace(out.charAt(out.length() - 1))) {
                out.append(' ');
            }
            return;
        }
        boolean atLineStart = out.isEmpty() || out.charAt(out.length() - 1) == '\n';
        boolean afterSpace = !out.isEmpty() && out.charAt(out.length() - 1) == ' ';
        out.append(atLineStart || afterSpace ? s.stripLeading() : s);
    }

    private static boolean isPreformatted(Element e) {
        return e.normalName().equals("pre") || e.normalName().equals("textarea");
    }

    private static void newLine(BoundedText out) {
        if (!out.isEmpty() && out.charAt(out.length() - 1) != '\n') {
            out.append('\n');
        }
    }
}
