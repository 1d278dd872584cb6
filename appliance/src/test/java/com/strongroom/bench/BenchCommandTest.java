package com.strongroom.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.strongroom.cli.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The benchmark runs end to end on a small corpus; its figures are not judged here, only its report. */
class BenchCommandTest {
    static final List<String> REQUIRED_KEYS = List.of(
            "vectors",
            "dims",
            "queries",
            "recall_at_10",
            "plain_p50_ms",
            "enc_p50_ms",
            "plain_p99_ms",
            "enc_p99_ms",
            "enc_over_plain",
            "bm25_plain_p50_ms",
            "bm25_enc_p50_ms",
            "bm25_enc_over_plain",
            "plain_index_per_s",
            "enc_index_per_s");

    @TempDir
    Path work;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cli = Cli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static JsonNode lastLine(String out) throws Exception {
        String[] lines = out.strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    @Test
    void synthetic_printsEveryRequiredFigure_andLeavesNothingBehind() throws Exception {
        Run run = run(
                "bench",
                "--vectors",
                "600",
                "--dims",
                "32",
                "--queries",
                "25",
                "--rounds",
                "1",
                "--work-dir",
                work.toString());
        assertEquals(0, run.exit(), run.err());
        JsonNode report = lastLine(run.out());
        for (String key : REQUIRED_KEYS) {
            assertTrue(report.has(key), "missing " + key + " in " + report);
        }
        assertEquals(600, report.get("vectors").asInt());
        assertEquals(32, report.get("dims").asInt());
        assertEquals(25, report.get("queries").asInt());
        // HNSW over 600 clustered vectors with 100 candidates finds nearly all true neighbours; a
        // broken id mapping or ground truth would give about 10/600
        assertTrue(report.get("recall_at_10").asDouble() > 0.8, report.toString());
        assertTrue(report.get("enc_p50_ms").asDouble() > 0, report.toString());
        assertTrue(report.get("enc_index_per_s").asDouble() > 0, report.toString());
        assertTrue(report.get("enc_bytes").asLong() > 0, report.toString());
        assertTrue(run.err().contains("bench: indexing 600 chunks into the encrypted index"), run.err());
        try (Stream<Path> left = Files.list(work)) {
            assertEquals(0, left.count(), "the benchmark removes its indexes");
        }
    }

    @Test
    void text_embedsEuroparlWithTheBuiltInModel() throws Exception {
        Run run = run(
                "bench",
                "--text",
                "--vectors",
                "200",
                "--queries",
                "10",
                "--rounds",
                "1",
                "--work-dir",
                work.toString());
        assertEquals(0, run.exit(), run.err());
        JsonNode report = lastLine(run.out());
        assertEquals(384, report.get("dims").asInt());
        assertEquals("europarl+all-minilm-l6-v2-q", report.get("corpus").asText());
        assertTrue(report.get("embed_chunks_per_s").asDouble() > 0, report.toString());
        assertTrue(report.get("recall_at_10").asDouble() > 0.8, report.toString());
    }

    @Test
    void text_withOtherDimensions_isRefusedClearly() {
        Run run = run("bench", "--text", "--dims", "16", "--work-dir", work.toString());
        assertNotEquals(0, run.exit());
        assertTrue(run.err().contains("384 dimensions"), run.err());
    }
}
