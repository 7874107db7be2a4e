package dev.kindling.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kindling.Kindling;
import dev.kindling.template.CsvDialect;
import dev.kindling.template.Launcher;
import dev.kindling.template.SparkSessionProvider;
import org.apache.spark.metrics.source.HiveCatalogMetrics;
import org.apache.spark.sql.SparkSession;

/**
 * The snapshot job through the template against the same Spark work in a bare main
 * ({@link BareSnapshot}), side by side in one JVM on one SparkSession, alternating which goes first.
 * Prints a Markdown table of wall times, their ratio and the Spark jobs each ran.
 *
 * <p>Run: {@code mvn -B -q -pl jobs -Pbench test-compile exec:exec -Dbench.args="10000000 5"}
 * (rows, measured repetitions; one warm-up repetition comes first).
 */
public final class SnapshotBenchmark {

    private static final String SCHEMA = "id BIGINT, customer STRING, category STRING, amount DECIMAL(10,2), ordered_at TIMESTAMP";

    public static void main(String[] args) throws IOException {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path work = Files.createTempDirectory("kindling-bench");
        SparkSession spark = BenchSession.local("kindling-bench", work);
        String csv = work.resolve("orders-csv").toString();
        spark.range(rows).selectExpr("id", "concat('customer', id % 100000) AS customer",
                        "element_at(array('Sports','Books','Garden','Toys','Electronics'), cast(id % 5 + 1 AS INT)) AS category",
                        "cast((id % 100000) / 100.0 AS DECIMAL(10,2)) AS amount",
                        "timestamp_seconds(1704067200 + id % 86400) AS ordered_at")
                .write().option("header", "true").csv(csv);

        SparkSessionProvider shared = SparkSessionProvider.of(spark);
        Map<String, String> environment = Map.of("KINDLING_WORK_DIR", work.toString(),
                "KINDLING_LOG_LEVEL", System.getenv().getOrDefault("KINDLING_LOG_LEVEL", "WARN"));
        // The default dialect reads each file whole (a quoted field may hold line breaks); the other lets Spark split files.
        CsvDialect rfc = CsvDialect.RFC_4180;
        CsvDialect splittable = new CsvDialect(rfc.delimiter(), rfc.quote(), rfc.escape(), rfc.encoding(), rfc.header(), rfc.nullValue(), false);
        for (CsvDialect dialect : List.of(rfc, splittable)) {
            String mode = dialect.quotedNewlines() ? "--quoted-newlines" : "--no-quoted-newlines";
            Runnable viaTemplate = () -> {
                int code = new Launcher(Kindling.JOBS, shared, environment, System.out, System.err).execute(
                        "snapshot", "--source", csv, "--format", "csv", "--schema", SCHEMA, mode,
                        "--target", "bench.template", "--logical-date", "2024-01-01", "--run-id", "bench");
                if (code != 0) {
                    throw new IllegalStateException("template run exited " + code);
                }
            };
            AtomicInteger bareRun = new AtomicInteger();
            Runnable bare = () -> BareSnapshot.run(spark, dialect.sparkOptions(), csv, SCHEMA, "bench.bare", "2024-01-01",
                    work.resolve("bare-versions/" + mode + "/" + bareRun.incrementAndGet()).toString());

            List<long[]> results = new ArrayList<>(); // bare ms, template ms, bare jobs, template jobs, bare and template metastore calls
            for (int i = 0; i <= repetitions; i++) {
                boolean bareFirst = i % 2 == 0;
                long[] first = timed(spark, bareFirst ? bare : viaTemplate);
                long[] second = timed(spark, bareFirst ? viaTemplate : bare);
                long[] b = bareFirst ? first : second;
                long[] t = bareFirst ? second : first;
                if (i > 0) {
                    results.add(new long[] {b[0], t[0], b[1], t[1], b[2], t[2]});
                }
            }
            print(mode, rows, repetitions, results, spark.table("bench.template").count(), spark.table("bench.bare").count());
        }
        spark.stop();
    }

    private static long[] timed(SparkSession spark, Runnable work) {
        long[] ms = new long[1];
        long metastoreCalls = HiveCatalogMetrics.METRIC_HIVE_CLIENT_CALLS().getCount();
        int jobs = SparkJobs.startedBy(spark, () -> {
            long started = System.nanoTime();
            work.run();
            ms[0] = (System.nanoTime() - started) / 1_000_000;
        });
        return new long[] {ms[0], jobs, HiveCatalogMetrics.METRIC_HIVE_CLIENT_CALLS().getCount() - metastoreCalls};
    }

    private static void print(String mode, long rows, int repetitions, List<long[]> results, long templateRows, long bareRows) {
        System.out.printf(Locale.ROOT, "%n%s%n%n| repetition | bare main (ms) | through the template (ms) | ratio | Spark jobs bare / template |%n", mode);
        System.out.println("| --- | --- | --- | --- | --- |");
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            long[] r = results.get(i);
            double ratio = (double) r[1] / r[0];
            ratios.add(ratio);
            System.out.printf(Locale.ROOT, "| %d | %d | %d | %.3f | %d / %d |%n", i + 1, r[0], r[1], ratio, r[2], r[3]);
        }
        ratios.sort(Comparator.naturalOrder());
        double median = ratios.get(ratios.size() / 2);
        long bareTotal = results.stream().mapToLong(r -> r[0]).sum();
        long templateTotal = results.stream().mapToLong(r -> r[1]).sum();
        System.out.printf(Locale.ROOT, "%nrows %d, repetitions %d: median ratio %.3f, total ratio %.3f; rows in tables: template %d, bare %d%n",
                rows, repetitions, median, (double) templateTotal / bareTotal, templateRows, bareRows);
        // calls to the Hive metastore client (Spark's HiveCatalogMetrics), each a round trip to the metastore
        System.out.printf(Locale.ROOT, "metastore calls per run: bare %s, template %s%n",
                results.stream().map(r -> Long.toString(r[4])).distinct().toList(), results.stream().map(r -> Long.toString(r[5])).distinct().toList());
    }
}
