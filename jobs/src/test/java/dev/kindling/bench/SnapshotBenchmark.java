package dev.kindling.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kindling.Kindling;
import dev.kindling.template.CsvDialect;
import dev.kindling.template.Launcher;
import dev.kindling.template.SparkSessionProvider;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Table;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.spark.metrics.source.HiveCatalogMetrics;
import org.apache.spark.sql.SparkSession;

/**
 * The snapshot job through the template (stage the date's partition as an unpublished Iceberg snapshot,
 * audit, publish by one commit, expire the staged snapshot) against the same Spark work in a bare main
 * ({@link BareSnapshot}: one Iceberg write of the partition), side by side in one JVM on one SparkSession,
 * alternating which goes first, both CSV modes. Prints, per mode, a Markdown table of wall times, their
 * ratio, the template's milliseconds over the bare write and the Spark jobs each ran; then where each
 * side's time goes (before the first Spark job, from its start to the last job's end, after that), the
 * calls to the Hive metastore client, the Iceberg commits (metadata versions of the table) with the
 * snapshot commits Iceberg's metrics reports name, and the scans Iceberg planned.
 *
 * <p>Run: {@code mvn -B -q -o -pl jobs -Pbench test-compile exec:exec -Dbench.args="10000000 5"}
 * (rows, measured repetitions; one warm-up repetition comes first; {@code mvn -B -q -o install -pl test-support,dsl -DskipTests}
 * once before). At {@code -Dbench.args="1000 7"} the rows cost next to nothing and the difference is
 * the template's fixed cost per run and publish. The work folder (the CSV, the tables, the template's
 * log) stays in the temporary folder; its path is printed.
 */
public final class SnapshotBenchmark {

    private static final String SCHEMA = "id BIGINT, customer STRING, category STRING, amount DECIMAL(10,2), ordered_at TIMESTAMP";
    private static final String DATE = "2024-01-01";
    private static final String TEMPLATE_TABLE = "bench.template";
    private static final String BARE_TABLE = "bench.bare";

    /** One run of one side. */
    private record Run(long ms, Spans spans, long metastoreCalls, long commits, IcebergReports.Since iceberg) {
    }

    /** A run's wall time split at its Spark jobs: before the first starts, first start to last end, after the last ends. */
    private record Spans(int jobs, long before, long in, long after) {
    }

    public static void main(String[] args) throws IOException {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path work = Files.createTempDirectory("kindling-bench");
        System.out.println("work folder " + work);
        SparkSession spark = BenchSession.local("kindling-bench", work);
        String csv = work.resolve("orders-csv").toString();
        spark.range(rows).selectExpr("id", "concat('customer', id % 100000) AS customer",
                        "element_at(array('Sports','Books','Garden','Toys','Electronics'), cast(id % 5 + 1 AS INT)) AS category",
                        "cast((id % 100000) / 100.0 AS DECIMAL(10,2)) AS amount",
                        "timestamp_seconds(1704067200 + id % 86400) AS ordered_at")
                .write().option("header", "true").csv(csv);

        SparkSessionProvider shared = SparkSessionProvider.of(spark);
        // The template's log (JSON, also in <work folder>/logs/kindling.jsonl): WARN unless these are set,
        // e.g. both INFO for a timeline of each run's steps (Iceberg's loads and commits among them).
        Map<String, String> environment = Map.of("KINDLING_WORK_DIR", work.toString(),
                "KINDLING_LOG_LEVEL", System.getenv().getOrDefault("KINDLING_LOG_LEVEL", "WARN"),
                "KINDLING_LOG_LEVEL_SPARK", System.getenv().getOrDefault("KINDLING_LOG_LEVEL_SPARK", "WARN"));
        // The default dialect reads each file whole (a quoted field may hold line breaks); the other lets Spark split files.
        CsvDialect rfc = CsvDialect.RFC_4180;
        CsvDialect splittable = new CsvDialect(rfc.delimiter(), rfc.quote(), rfc.escape(), rfc.encoding(), rfc.header(), rfc.nullValue(), false);
        for (CsvDialect dialect : List.of(rfc, splittable)) {
            String mode = dialect.quotedNewlines() ? "--quoted-newlines" : "--no-quoted-newlines";
            Runnable viaTemplate = () -> {
                int code = new Launcher(Kindling.JOBS, shared, environment, System.out, System.err).execute(
                        "snapshot", "--source", csv, "--format", "csv", "--schema", SCHEMA, mode,
                        "--target", TEMPLATE_TABLE, "--logical-date", DATE, "--run-id", "bench");
                if (code != 0) {
                    throw new IllegalStateException("template run exited " + code);
                }
            };
            Runnable bare = () -> BareSnapshot.run(spark, dialect.sparkOptions(), csv, SCHEMA, BARE_TABLE, DATE);

            List<Run[]> results = new ArrayList<>(); // bare, template
            for (int i = 0; i <= repetitions; i++) {
                boolean bareFirst = i % 2 == 0;
                Run first = bareFirst ? timed(spark, bare, BARE_TABLE) : timed(spark, viaTemplate, TEMPLATE_TABLE);
                Run second = bareFirst ? timed(spark, viaTemplate, TEMPLATE_TABLE) : timed(spark, bare, BARE_TABLE);
                if (i > 0) {
                    results.add(bareFirst ? new Run[] {first, second} : new Run[] {second, first});
                }
            }
            print(mode, rows, repetitions, results, spark.table(TEMPLATE_TABLE).count(), spark.table(BARE_TABLE).count());
        }
        spark.stop();
    }

    private static Run timed(SparkSession spark, Runnable work, String table) {
        long[] wall = new long[3];
        long metastoreCalls = HiveCatalogMetrics.METRIC_HIVE_CLIENT_CALLS().getCount();
        long version = metadataVersion(spark, table);
        int reports = IcebergReports.mark();
        SparkJobs.Jobs jobs = SparkJobs.of(spark, () -> {
            wall[0] = System.currentTimeMillis();
            long started = System.nanoTime();
            work.run();
            wall[2] = (System.nanoTime() - started) / 1_000_000;
            wall[1] = System.currentTimeMillis();
        });
        long calls = HiveCatalogMetrics.METRIC_HIVE_CLIENT_CALLS().getCount() - metastoreCalls;
        IcebergReports.Since iceberg = IcebergReports.since(reports);
        long commits = metadataVersion(spark, table) - version;
        Spans spans = jobs.count() == 0 ? new Spans(0, wall[1] - wall[0], 0, 0)
                : new Spans(jobs.count(), jobs.firstStart() - wall[0], jobs.lastEnd() - jobs.firstStart(), wall[1] - jobs.lastEnd());
        return new Run(wall[2], spans, calls, commits, iceberg);
    }

    private static final Pattern METADATA_VERSION = Pattern.compile("/v(\\d+)\\.metadata\\.json$");

    /** The table's metadata version in the file-based Iceberg catalog: one more for each commit (0: no table yet). */
    private static long metadataVersion(SparkSession spark, String table) {
        if (!spark.catalog().tableExists(table)) {
            return 0;
        }
        try {
            Table loaded = Spark3Util.loadIcebergTable(spark, "spark_catalog." + table);
            Matcher version = METADATA_VERSION.matcher(((HasTableOperations) loaded).operations().current().metadataFileLocation());
            if (!version.find()) {
                throw new IllegalStateException("not a metadata file of the file-based catalog: " + ((HasTableOperations) loaded).operations().current().metadataFileLocation());
            }
            return Long.parseLong(version.group(1));
        } catch (org.apache.spark.sql.catalyst.parser.ParseException | org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void print(String mode, long rows, int repetitions, List<Run[]> results, long templateRows, long bareRows) {
        System.out.printf(Locale.ROOT, "%n%s%n%n| repetition | bare main (ms) | through the template (ms) | ratio | template - bare (ms)"
                + " | of it before / in / after the Spark jobs (ms) | Spark jobs bare / template |%n", mode);
        System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            Run b = results.get(i)[0];
            Run t = results.get(i)[1];
            double ratio = (double) t.ms() / b.ms();
            ratios.add(ratio);
            System.out.printf(Locale.ROOT, "| %d | %d | %d | %.3f | %d | %d / %d / %d | %d / %d |%n", i + 1, b.ms(), t.ms(), ratio, t.ms() - b.ms(),
                    t.spans().before() - b.spans().before(), t.spans().in() - b.spans().in(), t.spans().after() - b.spans().after(),
                    b.spans().jobs(), t.spans().jobs());
        }
        double median = median(ratios);
        long bareTotal = results.stream().mapToLong(r -> r[0].ms()).sum();
        long templateTotal = results.stream().mapToLong(r -> r[1].ms()).sum();
        System.out.printf(Locale.ROOT, "%nrows %d, repetitions %d: median ratio %.3f, total ratio %.3f, template - bare median %d ms; rows in tables: template %d, bare %d%n",
                rows, repetitions, median, (double) templateTotal / bareTotal, medianOf(results, r -> r[1].ms() - r[0].ms()), templateRows, bareRows);

        System.out.printf(Locale.ROOT, "%nWhere the time goes (medians of the repetitions, ms):%n%n");
        System.out.println("| | wall | before the first Spark job | first job's start to last job's end | after the last Spark job"
                + " | metastore client calls | Iceberg commits (metadata versions) | snapshot commits reported | their commit time | scans planned |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for (int side = 0; side < 2; side++) {
            int s = side;
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %d | %s | %d | %d |%n", s == 0 ? "bare main" : "template",
                    medianOf(results, r -> r[s].ms()), medianOf(results, r -> r[s].spans().before()), medianOf(results, r -> r[s].spans().in()),
                    medianOf(results, r -> r[s].spans().after()), medianOf(results, r -> r[s].metastoreCalls()), medianOf(results, r -> r[s].commits()),
                    results.stream().map(r -> String.join(" + ", r[s].iceberg().commits())).distinct().toList(),
                    medianOf(results, r -> r[s].iceberg().commitMs()), medianOf(results, r -> r[s].iceberg().scans()));
        }
        System.out.printf(Locale.ROOT, "| template - bare | %d | %d | %d | %d | %d | %d | | %d | %d |%n",
                medianOf(results, r -> r[1].ms() - r[0].ms()), medianOf(results, r -> r[1].spans().before() - r[0].spans().before()),
                medianOf(results, r -> r[1].spans().in() - r[0].spans().in()), medianOf(results, r -> r[1].spans().after() - r[0].spans().after()),
                medianOf(results, r -> r[1].metastoreCalls() - r[0].metastoreCalls()), medianOf(results, r -> r[1].commits() - r[0].commits()),
                medianOf(results, r -> r[1].iceberg().commitMs() - r[0].iceberg().commitMs()), medianOf(results, r -> r[1].iceberg().scans() - r[0].iceberg().scans()));
    }

    private static long medianOf(List<Run[]> results, ToLongFunction<Run[]> value) {
        return median(results.stream().map(r -> (double) value.applyAsLong(r)).toList()).longValue();
    }

    /** The middle value; of an even number, the mean of the two in the middle. */
    private static Double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
