package com.strongroom.bench;

import com.strongroom.ingest.ChunkingOptions;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Build the same index twice, plain MMapDirectory and encrypted, run the same kNN and BM25 queries on both,"
                    + " and print progress on stderr and, as the last line on stdout, one JSON object with latencies,"
                    + " recall@10 against brute force and indexing throughput.",
            "Needs no HSM and no STRONGROOM_HOME: the encrypted index uses a random data key."
        })
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--vectors", description = "Chunks to index (default: 100000; 10000 with --text).")
    Integer vectors;

    @Option(names = "--dims", description = "Vector dimensions (default: ${DEFAULT-VALUE}).", defaultValue = "384")
    int dims;

    @Option(
            names = "--queries",
            description = "Distinct queries per mode (default: ${DEFAULT-VALUE}).",
            defaultValue = "1000")
    int queries;

    @Option(
            names = "--text",
            description = "Europarl sentences embedded by the built-in all-MiniLM-L6-v2 instead of synthetic data.")
    boolean text;

    @Option(
            names = "--rounds",
            description = "Measured passes over the queries (default: ${DEFAULT-VALUE}).",
            defaultValue = "3")
    int rounds;

    @Option(
            names = "--segments",
            description = "Merge both indexes to this many segments before querying, so they have the same shape;"
                    + " 0 keeps the segments indexing left (default: ${DEFAULT-VALUE}).",
            defaultValue = "1")
    int segments;

    @Option(
            names = "--seed",
            description = "Seed of the synthetic data and query choice (default: ${DEFAULT-VALUE}).",
            defaultValue = "42")
    long seed;

    @Option(
            names = "--page-size-kib",
            description = "Encrypted page size: 8, 16, 32 or 64 (default: ${DEFAULT-VALUE}).",
            defaultValue = "16")
    int pageSizeKib;

    @Option(
            names = "--page-cache-mib",
            description = "Plaintext page cache (default: ${DEFAULT-VALUE}).",
            defaultValue = "256")
    long pageCacheMib;

    @Option(
            names = "--vector-cache-mib",
            description = "Plaintext vector cache (default: ${DEFAULT-VALUE}).",
            defaultValue = "1024")
    long vectorCacheMib;

    @Option(
            names = "--embedding-threads",
            description = "ONNX Runtime threads for --text (default: 0 = one per core).",
            defaultValue = "0")
    int embeddingThreads;

    @Option(
            names = "--chunk-chars",
            description = "Chunk size for --text, in characters (default: ${DEFAULT-VALUE}, the product's default;"
                    + " overlap 15%%).",
            defaultValue = "1000")
    int chunkChars;

    @Option(names = "--work-dir", description = "Where to build the indexes (default: the system temp directory).")
    Path workDir;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        int n = vectors != null ? vectors : text ? 10_000 : 100_000;
        BenchOptions options = new BenchOptions(
                n,
                dims,
                queries,
                text,
                rounds,
                segments,
                seed,
                new BenchIndex.CacheSettings(pageCacheMib << 20, vectorCacheMib << 20, pageSizeKib << 10),
                workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir")),
                embeddingThreads,
                new ChunkingOptions(chunkChars, chunkChars * 15 / 100));
        Map<String, Object> report = new Benchmark(options, spec.commandLine().getErr()).run();
        spec.commandLine().getOut().println(Benchmark.json(report));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
