// The Connect half of the audience benchmark (dsl/bench/run): the README's example through the shared
// Spark Connect server, from bin/audience-shell --remote (the thin client an analyst uses), built and
// collected each run like the local variant. Writes the users' ids to $KINDLING_BENCH_OUT/connect-ids.txt
// so the harness can check they are the local variant's. Runs: $KINDLING_BENCH_RUNS.
import java.nio.file.*;
import java.util.function.Supplier;

int benchRuns = Integer.parseInt(System.getenv("KINDLING_BENCH_RUNS"));
Path benchOut = Path.of(System.getenv("KINDLING_BENCH_OUT"));
// (JShell ends a statement at a line that completes it: lines end with the dot, not start with it)
Supplier<List<Long>> example = () -> users().withPermissionToMailing().
        soldAtLeast(4, "Sports", between("2017-01-01", "2017-01-20")).livingNear("87-100", 10).
        toDataset().select("user_id").collectAsList().stream().map(row -> row.getLong(0)).sorted().toList();
Files.write(benchOut.resolve("connect-ids.txt"), example.get().stream().map(String::valueOf).toList());
for (int i = 0; i < Integer.parseInt(System.getenv().getOrDefault("KINDLING_BENCH_WARMUPS", "3")); i++) example.get(); // as many warm-up runs as the local variants (AudienceBenchmark.WARM_UP_RUNS) unless KINDLING_BENCH_WARMUPS says
var benchSeconds = new ArrayList<Double>();
for (int i = 0; i < benchRuns; i++) {
    long start = System.nanoTime();
    example.get();
    benchSeconds.add((System.nanoTime() - start) / 1e9);
}
Collections.sort(benchSeconds);
System.out.println(String.format(Locale.ROOT, "result spark-connect-dsl median=%.3f min=%.3f runs=%d users=%d",
        benchSeconds.get(benchSeconds.size() / 2), benchSeconds.get(0), benchSeconds.size(), Files.readAllLines(benchOut.resolve("connect-ids.txt")).size()));
/exit
