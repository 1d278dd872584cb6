package com.strongroom.ingest;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Documents built to stall or exhaust extraction: each one either extracts to the expected text
 * or is refused with its named reason. The extractor has a budget of two minutes per document,
 * so a step that backtracks quadratically over these inputs (hours) fails the test with the
 * budget's reason instead of passing slowly.
 */
class HostileDocumentsTest {
    private static final int MIB = 1024 * 1024;
    private final TextExtractor extractor = TextExtractor.create(DocumentLimits.defaults(), Duration.ofMinutes(2));

    private static String blanks(int n) {
        return " ".repeat(n);
    }

    @Test
    void aMebibyteOfSpacesInsideALine_isKept_andTrailingOnesDropped() {
        String inner = "a" + blanks(MIB) + "b";
        ExtractedText t = extractor.extract((inner + "\nc" + blanks(MIB) + "\nd").getBytes(UTF_8), "s.txt", null);
        assertEquals(inner + "\nc\nd", t.text());
    }

    @Test
    void aMarkdownHeadingWithAMebibyteOfSpaces_isTitledAndChunked() {
        String heading = "# a" + blanks(MIB) + "b";
        ExtractedText t = extractor.extract((heading + "\n\ntext").getBytes(UTF_8), "h.md", null);
        assertEquals("a" + blanks(MIB) + "b", t.properties().get("title"));
        List<Chunk> chunks = new Chunker(new ChunkingOptions(1000, 100)).chunk(t.text());
        assertEquals("text", chunks.getLast().text());
        assertTrue(chunks.getLast().heading().startsWith("a "));
    }

    @Test
    void aHundredThousandHeadings_eachStartAChunk() {
        String md = "# h\n".repeat(100_000);
        List<Chunk> chunks = new Chunker(new ChunkingOptions(1000, 100)).chunk(md);
        assertEquals(100_000, chunks.size());
    }

    @Test
    void xmlAndDocxTextWithLongRunsOfSpaces_isExtracted() {
        String run = "a" + blanks(MIB) + "b";
        assertEquals(
                run,
                extractor
                        .extract(("<r><p>" + run + "</p></r>").getBytes(UTF_8), "r.xml", null)
                        .text());
        // spaces and tabs at random: a plain run would compress past POI's zip-bomb ratio
        java.util.Random random = new java.util.Random(14);
        StringBuilder mixed = new StringBuilder("a");
        for (int i = 0; i < MIB / 2; i++) {
            mixed.append(random.nextBoolean() ? ' ' : '\t');
        }
        String cell = mixed.append('b').toString();
        byte[] docx = Documents.docx("T", "H", "p1", "p2", new String[][] {{cell, "x"}, {"y", "z"}});
        String text = extractor.extract(docx, "t.docx", null).text();
        assertTrue(text.contains("b | x\n"), "the cell stays on one line with its blanks");
        assertTrue(text.length() > MIB / 2, "the blanks inside the cell are kept");
    }

    @Test
    void htmlWithAHundredThousandCellsInARow_isOneLineOfCells() {
        String html = "<table><tr>" + "<td>c</td>".repeat(100_000) + "</tr></table>";
        ExtractedText t = extractor.extract(html.getBytes(UTF_8), "t.html", null);
        assertEquals(String.join(" | ", java.util.Collections.nCopies(100_000, "c")), t.text());
    }

    @Test
    void jsonWithDeeplyNestedLongKeys_isRefusedForItsKeyPaths() {
        String name = "k".repeat(200);
        String json = ("{\"" + name + "\":").repeat(200) + "1" + "}".repeat(200);
        UnreadableDocumentException e = assertThrows(
                UnreadableDocumentException.class, () -> extractor.extract(json.getBytes(UTF_8), "d.json", null));
        assertEquals(
                "The JSON document has a key path longer than 1000 characters (names nested too deeply or too long).",
                e.getMessage());
    }

    @Test
    void jsonWhoseKeyPathRepeatsPerLeaf_isRefusedBeyondEightCharactersPerByte() {
        String path = ("{\"" + "k".repeat(90) + "\":").repeat(10);
        String json = path + "[" + "1,".repeat(MIB) + "1]" + "}".repeat(10);
        UnreadableDocumentException e = assertThrows(
                UnreadableDocumentException.class, () -> extractor.extract(json.getBytes(UTF_8), "d.json", null));
        assertTrue(e.getMessage().startsWith("The document's text would be more than 8 times its size in bytes"));
    }

    @Test
    void csvWithAMillionColumns_staysWithinItsBound() {
        String csv = "a" + ",b".repeat(MIB) + "\n";
        ExtractedText t = extractor.extract(csv.getBytes(UTF_8), "c.csv", null);
        assertEquals(1 + 4L * MIB, t.text().length());
    }

    @Test
    void aDocumentOverItsTimeBudget_isRefusedWithTheBudgetAsReason() {
        TextExtractor hurried = TextExtractor.create(DocumentLimits.defaults(), Duration.ofMillis(1));
        byte[] csv = ("a,b,c\n".repeat(1_700_000)).getBytes(UTF_8); // 10 MB: far more than a millisecond
        UnreadableDocumentException e =
                assertThrows(UnreadableDocumentException.class, () -> hurried.extract(csv, "c.csv", null));
        assertEquals(
                "Extracting the document's text took longer than the budget of 1 ms per document; it is refused.",
                e.getMessage());
        // the extractor is not left blocked: a small document goes through the next moment
        TextExtractor normal = TextExtractor.create(DocumentLimits.defaults(), Duration.ofMinutes(1));
        assertEquals("ok", normal.extract("ok".getBytes(UTF_8), "o.txt", null).text());
    }
}
