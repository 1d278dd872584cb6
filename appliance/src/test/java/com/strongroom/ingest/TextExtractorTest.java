package com.strongroom.ingest;

import static java.nio.charset.StandardCharsets.UTF_16LE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.poi.util.TempFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextExtractorTest {
    private static final String DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    private final TextExtractor extractor = TextExtractor.create();

    private ExtractedText extract(String content, String filename, String type) {
        return extractor.extract(content.getBytes(UTF_8), filename, type);
    }

    // ---- each type ----

    @Test
    void plainText_isReturnedWithUnixLineEnds() {
        ExtractedText t = extract("first line\r\nsecond line   \r\n\r\n\r\n\r\nthird", "notes.txt", "text/plain");
        assertEquals("text/plain", t.mediaType());
        assertEquals("first line\nsecond line\n\nthird", t.text());
    }

    @Test
    void markdown_keepsItsMarkupAndGivesTheTitle() {
        ExtractedText t = extract("# Release notes\n\nSome *emphasis* here.\n", "notes.md", null);
        assertEquals("text/markdown", t.mediaType());
        assertEquals("# Release notes\n\nSome *emphasis* here.", t.text());
        assertEquals("Release notes", t.properties().get("title"));
    }

    @Test
    void html_givesVisibleTextWithHeadingsAsLines() {
        String html =
                """
                <!DOCTYPE html><html><head><title>Vault manual</title>
                <style>body { color: red }</style><script>var secret = "in a script";</script></head>
                <body><h1>Opening the vault</h1><p>Turn the <b>dial</b> twice.</p>
                <div hidden>hidden text</div><noscript>enable js</noscript>
                <h2>Closing</h2><ul><li>Shut the door</li><li>Spin the dial</li></ul>
                <table><tr><th>Code</th><th>Meaning</th></tr><tr><td>E1</td><td>Jammed</td></tr></table>
                </body></html>""";
        ExtractedText t = extract(html, "manual.html", "text/html; charset=utf-8");
        assertEquals("text/html", t.mediaType());
        assertEquals("Vault manual", t.properties().get("title"));
        assertEquals(
                "Opening the vault\nTurn the dial twice.\nClosing\nShut the door\nSpin the dial\nCode | Meaning\nE1 | Jammed",
                t.text());
    }

    @Test
    void csv_givesRowsAsLines_withQuotedCells() {
        String csv = "name,city,note\r\n\"Smith, Ann\",Paris,\"said \"\"hi\"\"\nthen left\"\r\nBob,Lyon,\r\n\r\n";
        ExtractedText t = extract(csv, "people.csv", "text/csv");
        assertEquals("text/csv", t.mediaType());
        assertEquals("name | city | note\nSmith, Ann | Paris | said \"hi\" then left\nBob | Lyon |", t.text());
        assertEquals(3L, t.properties().get("row_count"));
    }

    @Test
    void csv_withSemicolonsOrTabs_isSplitOnThem() {
        assertEquals("a | b\n1,5 | 2", extract("a;b\n1,5;2\n", "de.csv", null).text());
        assertEquals("a | b\n1 | 2", extract("a\tb\n1\t2\n", "data.tsv", null).text());
    }

    @Test
    void json_givesKeyPathsWithValues_numbersAndBooleansToo() {
        String json =
                """
                {"title": "Quarterly report", "year": 2025, "final": true, "draft": null,
                 "author": {"name": "Ada", "team": "Risk"},
                 "tags": ["finance", "q3"],
                 "items": [{"name": "Widget", "price": 9.5}, {"name": "Gadget", "price": 12}]}""";
        ExtractedText t = extract(json, "report.json", "application/json");
        assertEquals("application/json", t.mediaType());
        assertEquals(
                """
                title: Quarterly report
                year: 2025
                final: true
                author.name: Ada
                author.team: Risk
                tags: finance
                tags: q3
                items.name: Widget
                items.price: 9.5
                items.name: Gadget
                items.price: 12""",
                t.text());
    }

    @Test
    void invalidJson_isUnreadable_andTheMessageQuotesNothing() {
        var e = assertThrows(
                UnreadableDocumentException.class,
                () -> extract("{\"a\": CONFIDENTIAL_TOKEN}", "bad.json", "application/json"));
        assertEquals(422, e.status());
        assertFalse(e.getMessage().contains("CONFIDENTIAL"), e.getMessage());
        assertTrue(e.getMessage().contains("not valid JSON (line 1, column"), e.getMessage());
    }

    @Test
    void xml_givesTextContent() {
        String xml =
                """
                <?xml version="1.0" encoding="ISO-8859-1"?>
                <catalog xmlns="urn:x"><book id="b1"><title>Déjà vu &amp; more</title>
                <summary><![CDATA[A <b>bold</b> claim]]></summary></book></catalog>""";
        ExtractedText t = extract(xml, "catalog.xml", "application/xml");
        assertEquals("application/xml", t.mediaType());
        assertEquals("Déjà vu & more\nA <b>bold</b> claim", t.text());
    }

    @Test
    void yaml_isKeptAsText() {
        String yaml = "server:\n  port: 8443   \n  hosts:\n    - vault.example\n";
        ExtractedText t = extract(yaml, "config.yml", "application/x-yaml");
        assertEquals("application/yaml", t.mediaType());
        assertEquals("server:\n  port: 8443\n  hosts:\n    - vault.example", t.text());
    }

    @Test
    void pdf_givesTextPerPage_separatedByFormFeeds() {
        byte[] pdf = Documents.pdf("Annual report", "Revenue grew strongly.\nSecond line", "Costs were flat.");
        ExtractedText t = extractor.extract(pdf, "report.pdf", "application/pdf");
        assertEquals("application/pdf", t.mediaType());
        assertEquals("Revenue grew strongly.\nSecond line\n\f\nCosts were flat.", t.text());
        assertEquals(2, t.properties().get("page_count"));
        assertEquals("Annual report", t.properties().get("title"));
    }

    @Test
    void docx_givesParagraphsHeadingsAndTableRows() {
        byte[] docx = Documents.docx(
                "Policy", "Key rotation", "Keys rotate every 90 days.", "Ünïcödé survives: 東京 😀", new String[][] {
                    {"Key", "Lifetime"}, {"KEK", "1 year"}
                });
        ExtractedText t = extractor.extract(docx, "policy.docx", DOCX_TYPE);
        assertEquals(DOCX_TYPE, t.mediaType());
        assertEquals("Policy", t.properties().get("title"));
        assertEquals(
                "Key rotation\nKeys rotate every 90 days.\n\nKey | Lifetime\nKEK | 1 year\n\nÜnïcödé survives: 東京 😀",
                t.text());
    }

    // ---- sniffing and mislabelled files ----

    @Test
    void pdfNamedAsText_isReadAsPdf() {
        byte[] pdf = Documents.pdf("t", "Hidden in a PDF");
        ExtractedText t = extractor.extract(pdf, "notes.txt", "text/plain");
        assertEquals("application/pdf", t.mediaType());
        assertEquals("Hidden in a PDF", t.text());
    }

    @Test
    void docxNamedAsPdf_isReadAsDocx() {
        byte[] docx = Documents.docx("t", "Heading", "Body", "End", new String[][] {{"a"}});
        ExtractedText t = extractor.extract(docx, "scan.pdf", "application/pdf");
        assertEquals(DOCX_TYPE, t.mediaType());
        assertTrue(t.text().startsWith("Heading\nBody"), t.text());
    }

    @Test
    void textNamedAsPdf_isRefusedClearly() {
        var e = assertThrows(
                UnreadableDocumentException.class, () -> extract("just text", "report.pdf", "application/pdf"));
        assertEquals(
                "The file is declared as PDF but its content is not a PDF document"
                        + " (damaged, truncated or mislabelled).",
                e.getMessage());
    }

    @Test
    void unlabelledText_isSniffed() {
        assertEquals("application/json", extract("{\"a\": 1}", null, null).mediaType());
        assertEquals(
                "text/html",
                extract("<!doctype html><p>x</p>", "page", "application/octet-stream")
                        .mediaType());
        assertEquals(
                "application/xml",
                extract("<?xml version=\"1.0\"?><a>x</a>", null, "").mediaType());
        assertEquals(
                "text/plain",
                extract("{not json", "app.log", "application/octet-stream").mediaType());
    }

    @Test
    void extensionWinsOverAGenericDeclaredType() {
        assertEquals(
                "application/json",
                extract("{\"a\": 1}", "a.json", "text/plain").mediaType());
        assertEquals(
                "text/markdown",
                extract("# x", "C:\\fakepath\\README.MD", "application/octet-stream")
                        .mediaType());
    }

    // ---- unsupported (415) ----

    @Test
    void png_isUnsupported_evenWhenNamedAsText() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
        var e = assertThrows(UnsupportedDocumentTypeException.class, () -> extractor.extract(png, "a.txt", null));
        assertEquals(415, e.status());
        assertEquals("unsupported_media_type", e.code());
        assertEquals(
                "The content is a PNG image. Accepted types: txt, md, html, csv, json, xml, yaml, pdf, docx.",
                e.getMessage());
        assertThrows(UnsupportedDocumentTypeException.class, () -> extractor.extract(png, "photo.png", "image/png"));
    }

    @Test
    void otherBinaryArchivesAndUnknownTypes_areUnsupported() {
        byte[] binary = {1, 2, 0, 3, 4};
        assertThrows(UnsupportedDocumentTypeException.class, () -> extractor.extract(binary, "x.bin", null));
        byte[] xlsx = Documents.zip("xl/workbook.xml", "<workbook/>".getBytes(UTF_8));
        assertThrows(UnsupportedDocumentTypeException.class, () -> extractor.extract(xlsx, "book.xlsx", null));
        byte[] doc = {(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0, (byte) 0xA1, (byte) 0xB1, 0x1A, (byte) 0xE1, 0, 0};
        var e = assertThrows(UnsupportedDocumentTypeException.class, () -> extractor.extract(doc, "old.doc", null));
        assertTrue(e.getMessage().startsWith("The content is a legacy Microsoft Office file"), e.getMessage());
        assertThrows(
                UnsupportedDocumentTypeException.class, () -> extract("{\\rtf1 hello}", "a.rtf", "application/rtf"));
        assertThrows(UnsupportedDocumentTypeException.class, () -> extract("text", "a.svg", "image/svg+xml"));
    }

    // ---- unreadable (422) ----

    @Test
    void encryptedPdf_isUnreadable() {
        byte[] pdf = Documents.encryptedPdf("Locked", "user-secret", "Top secret page");
        var e = assertThrows(UnreadableDocumentException.class, () -> extractor.extract(pdf, "locked.pdf", null));
        assertEquals(422, e.status());
        assertEquals("The PDF is encrypted with a password; remove the password and upload it again.", e.getMessage());
    }

    @Test
    void pdfWithOnlyAnOwnerPassword_isReadable() {
        byte[] pdf = Documents.encryptedPdf("Restricted", "", "Readable by anyone");
        assertEquals("Readable by anyone", extractor.extract(pdf, "r.pdf", null).text());
    }

    @Test
    void truncatedPdf_isUnreadable() {
        byte[] pdf = Documents.pdf("t", "Some text");
        byte[] cut = Arrays.copyOf(pdf, 40);
        assertThrows(UnreadableDocumentException.class, () -> extractor.extract(cut, "cut.pdf", null));
    }

    @Test
    void pdfWithoutText_isUnreadable() {
        byte[] pdf = Documents.pdf("blank", "");
        var e = assertThrows(UnreadableDocumentException.class, () -> extractor.extract(pdf, "scan.pdf", null));
        assertTrue(e.getMessage().contains("no extractable text"), e.getMessage());
    }

    @Test
    void pdfOverThePageLimit_isUnreadable() {
        TextExtractor strict = TextExtractor.create(new DocumentLimits(1 << 20, 1 << 20, 2, 1 << 24, 100, 1 << 20));
        byte[] pdf = Documents.pdf("t", "one", "two", "three");
        var e = assertThrows(UnreadableDocumentException.class, () -> strict.extract(pdf, "long.pdf", null));
        assertEquals("The PDF has 3 pages; the limit is 2.", e.getMessage());
    }

    @Test
    void corruptDocx_isUnreadable() {
        byte[] docx = Documents.docx("t", "Heading", "Body", "End", new String[][] {{"a"}});
        // Cut inside word/document.xml's compressed data.
        int at = TextExtractor.indexOf(docx, "word/document.xml".getBytes(UTF_8), 0, docx.length);
        byte[] truncated = Arrays.copyOf(docx, at + 100);
        var e = assertThrows(
                UnreadableDocumentException.class, () -> extractor.extract(truncated, "cut.docx", DOCX_TYPE));
        assertEquals("The DOCX is damaged or not a valid Word document.", e.getMessage());

        byte[] garbage = {1, 2, 0, 3, 4, 5};
        assertThrows(UnreadableDocumentException.class, () -> extractor.extract(garbage, "x.docx", null));
        byte[] notWord = Documents.zip("readme.txt", "hi".getBytes(UTF_8));
        assertThrows(UnreadableDocumentException.class, () -> extractor.extract(notWord, "x.docx", null));
        byte[] fakeWord = Documents.zip("word/document.xml", "<not-word/>".getBytes(UTF_8));
        assertThrows(UnreadableDocumentException.class, () -> extractor.extract(fakeWord, "x.docx", null));
    }

    @Test
    void encryptedOfficeFile_isUnreadable() {
        // An encrypted DOCX is an OLE2 container with an "EncryptedPackage" stream.
        byte[] head = {(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0, (byte) 0xA1, (byte) 0xB1, 0x1A, (byte) 0xE1};
        byte[] name = "EncryptedPackage".getBytes(UTF_16LE);
        byte[] ole = Arrays.copyOf(head, 600);
        System.arraycopy(name, 0, ole, 512, name.length);
        var e = assertThrows(UnreadableDocumentException.class, () -> extractor.extract(ole, "secret.docx", null));
        assertTrue(e.getMessage().contains("password-protected"), e.getMessage());
    }

    @Test
    void docxZipBomb_isRefusedBeforePoiBuffersIt() {
        TextExtractor strict = TextExtractor.create(DocumentLimits.defaults());
        // 300 MiB of zeros deflate to ~300 KB: over the 256 MiB total the defaults allow.
        byte[] bomb = Documents.zip(
                "word/document.xml", "<w:document/>".getBytes(UTF_8), "word/media/pad.bin", new byte[300 << 20]);
        var e = assertThrows(UnreadableDocumentException.class, () -> strict.extract(bomb, "bomb.docx", null));
        assertEquals(
                "The DOCX expands to too much data; it is refused as a possible decompression bomb.", e.getMessage());
    }

    @Test
    void docxWithTooManyEntries_isRefused() {
        Object[] entries = new Object[2 * 1002];
        entries[0] = "word/document.xml";
        entries[1] = new byte[0];
        for (int i = 1; i < 1002; i++) {
            entries[2 * i] = "e" + i;
            entries[2 * i + 1] = new byte[0];
        }
        var e = assertThrows(
                UnreadableDocumentException.class, () -> extractor.extract(Documents.zip(entries), "many.docx", null));
        assertTrue(e.getMessage().startsWith("The DOCX has more than 1000 entries"), e.getMessage());
    }

    @Test
    void emptyOrBlankDocuments_areUnreadable() {
        assertThrows(UnreadableDocumentException.class, () -> extractor.extract(new byte[0], "a.txt", null));
        var e = assertThrows(UnreadableDocumentException.class, () -> extract(" \n\t \r\n", "a.txt", null));
        assertEquals("The document contains no text.", e.getMessage());
        assertThrows(
                UnreadableDocumentException.class, () -> extract("<html><script>x()</script></html>", "a.html", null));
    }

    // ---- limits ----

    @Test
    void overTheSizeLimit_isTooLarge() {
        byte[] big = new byte[(int) DocumentLimits.DEFAULT_MAX_BYTES + 1];
        Arrays.fill(big, (byte) 'a');
        var e = assertThrows(DocumentTooLargeException.class, () -> extractor.extract(big, "big.txt", null));
        assertEquals(413, e.status());
        assertEquals(10L * 1024 * 1024, e.maxBytes());
        big[big.length - 1] = '\n';
        assertEquals(
                DocumentLimits.DEFAULT_MAX_BYTES,
                extractor
                        .extract(Arrays.copyOf(big, big.length - 1), "max.txt", null)
                        .text()
                        .length());
    }

    // ---- XML safety ----

    @Test
    void xxe_externalEntityIsNeverResolved(@TempDir Path dir) throws IOException {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "TOPSECRET-XXE-CONTENT");
        String xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM \"" + secret.toUri() + "\">]>\n"
                + "<r>before &xxe; after</r>";
        var e = assertThrows(UnreadableDocumentException.class, () -> extract(xml, "x.xml", null));
        assertFalse(e.getMessage().contains("TOPSECRET"), e.getMessage());
        assertFalse(e.getMessage().contains("xxe"), e.getMessage());
    }

    @Test
    void xxe_noExternalDtdOrParameterEntityIsFetched() throws IOException {
        AtomicInteger hits = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            hits.incrementAndGet();
            byte[] body = "<!ENTITY leak \"LEAKED\">".getBytes(UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            String externalDtd = "<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"" + base + "/a.dtd\"><r>plain text</r>";
            assertEquals("plain text", extract(externalDtd, "a.xml", null).text());
            String parameterEntity = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY % p SYSTEM \"" + base
                    + "/p.dtd\"> %p;]><r>text &leak;</r>";
            assertThrows(UnreadableDocumentException.class, () -> extract(parameterEntity, "p.xml", null));
            String xinclude = "<r xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"" + base
                    + "/inc\" parse=\"text\"/>kept</r>";
            assertEquals("kept", extract(xinclude, "i.xml", null).text());
        } finally {
            server.stop(0);
        }
        assertEquals(0, hits.get(), "the parser fetched an external resource");
    }

    @Test
    void billionLaughs_isRefusedQuickly() {
        StringBuilder dtd = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for (int i = 1; i < 10; i++) {
            dtd.append("<!ENTITY lol").append(i).append(" \"");
            dtd.append(("&lol" + (i == 1 ? "" : i - 1) + ";").repeat(10)).append("\">");
        }
        String xml = dtd + "]><lolz>&lol9;</lolz>";
        long start = System.nanoTime();
        assertThrows(UnreadableDocumentException.class, () -> extract(xml, "lol.xml", null));
        assertTrue(System.nanoTime() - start < 2_000_000_000L);
    }

    // ---- characters ----

    @Test
    void unicodeText_survives_andIsNfcNormalised() {
        String text = "Grüße aus 東京 😀 — naïve café";
        assertEquals(text, extract(text, "u.txt", null).text());
        assertEquals("é", extract("e\u0301", "nfd.txt", null).text());
    }

    @Test
    void utf8Bom_isDropped_andUtf16WithBomIsUnderstood() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'h', 'i'};
        assertEquals("hi", extractor.extract(bom, "a.txt", null).text());
        byte[] utf16 = "\uFEFFGrüße 東京".getBytes(UTF_16LE);
        assertEquals("Grüße 東京", extractor.extract(utf16, "a.txt", null).text());
    }

    @Test
    void invalidUtf8_fallsBackToWindows1252() {
        byte[] cp1252 = "Café – “quoted” €5".getBytes(Charset.forName("windows-1252"));
        assertEquals(
                "Café – “quoted” €5",
                extractor.extract(cp1252, "legacy.txt", "text/plain").text());
    }

    // ---- no temp files ----

    @Test
    void pdfAndDocx_writeNoTempFiles() throws IOException {
        Set<String> before = tempFiles();
        extractor.extract(Documents.pdf("t", "page one", "page two"), "a.pdf", null);
        extractor.extract(Documents.docx("t", "H", "P", "Q", new String[][] {{"a", "b"}}), "a.docx", null);
        Set<String> created = tempFiles();
        created.removeAll(before);
        assertTrue(
                created.stream().noneMatch(n -> n.startsWith("PDFBox") || n.startsWith("poi")),
                "temp files created: " + created);
        // Any POI code path that asks for a temp file is refused.
        IOException e = assertThrows(IOException.class, () -> TempFile.createTempFile("probe", ".tmp"));
        assertTrue(e.getMessage().contains("temp files are disabled"));
    }

    private static Set<String> tempFiles() throws IOException {
        try (Stream<Path> files = Files.list(new File(System.getProperty("java.io.tmpdir")).toPath())) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
