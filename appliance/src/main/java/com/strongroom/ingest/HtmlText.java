package com.strongroom.ingest;

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

    static String extract(String html, Map<String, Object> properties) {
        Document doc = Jsoup.parse(html);
        String title = doc.title().strip();
        if (!title.isEmpty()) {
            properties.put("title", title);
        }
        doc.select(INVISIBLE).remove();
        StringBuilder out = new StringBuilder();
        NodeTraversor.traverse(
                new NodeVisitor() {
                    @Override
                    public void head(Node node, int depth) {
                        if (node instanceof TextNode text) {
                            appendText(out, text, inPre(text));
                        } else if (node instanceof Element e) {
                            if (BLOCKS.contains(e.normalName())) {
                                newLine(out);
                            } else if (CELLS.contains(e.normalName()) && e.elementSiblingIndex() > 0) {
                                out.append(" | ");
                            }
                        }
                    }

                    @Override
                    public void tail(Node node, int depth) {
                        if (node instanceof Element e && BLOCKS.contains(e.normalName())) {
                            newLine(out);
                        }
                    }
                },
                doc.body());
        return out.toString();
    }

    private static void appendText(StringBuilder out, TextNode text, boolean pre) {
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

    private static boolean inPre(TextNode text) {
        for (Node n = text.parent(); n != null; n = n.parent()) {
            if (n instanceof Element e
                    && (e.normalName().equals("pre") || e.normalName().equals("textarea"))) {
                return true;
            }
        }
        return false;
    }

    private static void newLine(StringBuilder out) {
        if (!out.isEmpty() && out.charAt(out.length() - 1) != '\n') {
            out.append('\n');
        }
    }
}
