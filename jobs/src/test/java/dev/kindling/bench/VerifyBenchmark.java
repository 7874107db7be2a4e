package dev.kindling.bench;

import static org.apache.spark.sql.functions.expr;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import dev.kindling.Kindling;
import dev.kindling.checks.Check;
import dev.kindling.checks.CheckFile;
import dev.kindling.checks.CheckResult;
import dev.kindling.checks.History;
import dev.kindling.checks.Verifier;
import dev.kindling.template.Launcher;
import dev.kindling.template.SparkSessionProvider;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The verify job (eight checks of a generated orders table, all of the table) against the least Spark
 * work that answers the same questions: one hand-written {@code agg(...)} of the same columns. Between
 * them, the checks evaluated by {@link Verifier} alone (no template, no history written) tell the cost
 * of the checks' plan from the cost of the job around it, and the bare agg without its distinct count
 * tells what the uniqueness check costs. One JVM, one SparkSession; one warm-up of each, then the four
 * in a rotating order. Prints a Markdown table of wall times and Spark jobs.
 *
 * <p>Run: {@code jobs/bench/verify-cost 20000000 5} (rows, measured repetitions; the script gives a work folder as the
 * third argument and deletes it at the end).
 */
public final class VerifyBenchmark {

    private static final String TABLE = "bench.orders";
    private static final LocalDate DATE = LocalDate.parse("2024-01-15");
    /** The check file: every kind but coverage (which joins another table), as a data team would write it for orders. */
    private static final String CHECKS = """
            checks:
              - {name: has_orders, kind: row_count, severity: error, min: 1}
              - {name: order_volume, kind: row_count_change, severity: warning, history: 7, min_history: 3, max_decrease: 0.5, max_increase: 1.0}
              - {name: unique_order_id, kind: uniqueness, severity: error, columns: [order_id]}
              - {name: customer_known, kind: completeness, severity: error, column: customer_id, max_null_share: 0.01}
              - {name: amount_plausible, kind: range, severity: warning, column: amount, min: 0, max: 10000}
              - {name: known_status, kind: in_set, severity: warning, column: status, values: [new, paid, shipped, delivered, returned]}
              - {name: email_format, kind: pattern, severity: warning, column: email, regex: '[^@\\s]+@[^@\\s]+\\.[A-Za-z]+', max_share: 0.01}
              - {name: fresh_orders, kind: freshness, severity: error, column: ordered_at, max_age: 1d}
            """;
    /** The same eight answers written by hand: the rows, nulls, distinct keys, values outside the range, the set or the pattern, the latest time. */
    private static final List<String> BARE = List.of(
            "count(1)",
            "count_if(customer_id IS NULL)",
            "count(DISTINCT order_id)",
            "count(amount)", "count_if(amount < 0 OR amount > 10000)",
            "count(status)", "count_if(status NOT IN ('new', 'paid', 'shipped', 'delivered', 'returned'))",
            "count(email)", "count_if(NOT email RLIKE '^(?:[^@\\\\s]+@[^@\\\\s]+\\\\.[A-Za-z]+)$')",
            "max(ordered_at)");

    private VerifyBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 20_000_000L;
        int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path work = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("kindling-verify-bench");
        SparkSession spark = BenchSession.local("kindling-verify-bench", work);
        generate(spark, rows);
        Path checkFile = work.resolve("orders.checks.yaml");
        Files.writeString(checkFile, CHECKS);
        List<Check> checks = CheckFile.read("--checks", checkFile).checks();

        SparkSessionProvider shared = SparkSessionProvider.of(spark);
        Map<String, String> environment = Map.of("KINDLING_WORK_DIR", work.toString(),
                "KINDLING_LOG_LEVEL", System.getenv().getOrDefault("KINDLING_LOG_LEVEL", "WARN"));
        Map<String, Runnable> variants = new LinkedHashMap<>();
        Object[] bareValues = new Object[1];
        variants.put("bare agg", () -> bareValues[0] = agg(spark, BARE));
        // what the uniqueness check costs: the same pass without the distinct count (no shuffle of every key)
        variants.put("bare agg without count(DISTINCT)", () -> agg(spark, BARE.stream().filter(a -> !a.contains("DISTINCT")).toList()));
        List<List<CheckResult>> evaluated = new ArrayList<>();
        History history = new History(spark, "quality.check_results");
        variants.put("checks alone (Verifier)", () -> evaluated.add(new Verifier(spark, DATE, history).evaluate(TABLE, spark.table(TABLE), checks)));
        variants.put("verify job (template)", () -> verify(shared, environment, checkFile, DATE));

        // warm-up: the job on the three dates before (they become the history the change check needs), the others once
        for (int day = 3; day >= 1; day--) {
            verify(shared, environment, checkFile, DATE.minusDays(day));
        }
        variants.forEach((name, variant) -> {
            if (!name.startsWith("verify job")) {
                variant.run();
            }
        });

        List<String> names = List.copyOf(variants.keySet());
        Map<String, List<long[]>> measured = new LinkedHashMap<>(); // ms, Spark jobs
        names.forEach(name -> measured.put(name, new ArrayList<>()));
        for (int i = 0; i < repetitions; i++) {
            for (int k = 0; k < names.size(); k++) {
                String name = names.get((i + k) % names.size()); // each variant goes first in turn
                measured.get(name).add(timed(spark, variants.get(name)));
            }
        }
        print(rows, repetitions, names, measured);
        Row bare = (Row) bareValues[0];
        System.out.printf(Locale.ROOT, "%nbare agg's values: %s%n", bare);
        System.out.printf(Locale.ROOT, "checks: %s%n", evaluated.get(evaluated.size() - 1).stream()
                .map(r -> r.check().name() + " " + r.status() + " (" + r.value() + ")").collect(Collectors.joining(", ")));
        spark.stop();
    }

    /** 20M orders of one day, as a Parquet Hive table: a few null customers and emails, amounts within the range, five statuses. */
    private static void generate(SparkSession spark, long rows) {
        spark.sql("CREATE DATABASE IF NOT EXISTS bench");
        spark.range(rows).selectExpr("id AS order_id",
                        "IF(id % 1000 = 7, NULL, pmod(xxhash64(id, 'customer'), 2000000)) AS customer_id",
                        "IF(id % 500 = 3, NULL, concat('customer', pmod(xxhash64(id, 'customer'), 2000000), '@example.com')) AS email",
                        "element_at(array('new', 'paid', 'shipped', 'delivered', 'returned'), CAST(pmod(xxhash64(id, 'status'), 5) + 1 AS INT)) AS status",
                        "CAST(pmod(xxhash64(id, 'amount'), 1000000) / 100.0 AS DECIMAL(10,2)) AS amount",
                        "timestamp_seconds(1705276800 + pmod(xxhash64(id, 'at'), 86400)) AS ordered_at")
                .write().format("parquet").mode("overwrite").saveAsTable(TABLE);
    }

    private static Row agg(SparkSession spark, List<String> aggregates) {
        return spark.table(TABLE).agg(expr(aggregates.get(0)), aggregates.subList(1, aggregates.size()).stream()
                .map(org.apache.spark.sql.functions::expr).toArray(org.apache.spark.sql.Column[]::new)).collectAsList().get(0);
    }

    private static void verify(SparkSessionProvider shared, Map<String, String> environment, Path checkFile, LocalDate date) {
        int code = new Launcher(Kindling.JOBS, shared, environment, System.out, System.err).execute(
                "verify", "--table", TABLE, "--checks", checkFile.toString(), "--whole-table", "--logical-date", date.toString(),
                "--run-id", "bench-" + date);
        if (code != 0) {
            throw new IllegalStateException("verify exited " + code);
        }
    }

    private static long[] timed(SparkSession spark, Runnable work) {
        long[] ms = new long[1];
        int jobs = SparkJobs.startedBy(spark, () -> {
            long started = System.nanoTime();
            work.run();
            ms[0] = (System.nanoTime() - started) / 1_000_000;
        });
        return new long[] {ms[0], jobs};
    }

    private static void print(long rows, int repetitions, List<String> names, Map<String, List<long[]>> measured) {
        System.out.printf(Locale.ROOT, "%n%d rows, %d repetitions after one warm-up each%n%n| repetition | %s | %s |%n", rows, repetitions,
                names.stream().map(n -> n + " (ms)").collect(Collectors.joining(" | ")),
                names.stream().skip(1).map(n -> n + " / bare").collect(Collectors.joining(" | ")));
        System.out.println("|" + " --- |".repeat(2 * names.size()));
        for (int i = 0; i < repetitions; i++) {
            int rep = i;
            long bare = measured.get(names.get(0)).get(rep)[0];
            System.out.printf(Locale.ROOT, "| %d | %s | %s |%n", i + 1,
                    names.stream().map(n -> Long.toString(measured.get(n).get(rep)[0])).collect(Collectors.joining(" | ")),
                    names.stream().skip(1).map(n -> String.format(Locale.ROOT, "%.3f", (double) measured.get(n).get(rep)[0] / bare))
                            .collect(Collectors.joining(" | ")));
        }
        List<Long> bareMs = measured.get(names.get(0)).stream().map(r -> r[0]).toList();
        for (String name : names.subList(1, names.size())) {
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < repetitions; i++) {
                ratios.add((double) measured.get(name).get(i)[0] / bareMs.get(i));
            }
            ratios.sort(Comparator.naturalOrder());
            System.out.printf(Locale.ROOT, "%s / bare agg: median ratio %.3f%n", name, ratios.get(ratios.size() / 2));
        }
        for (String name : names) {
            List<Long> ms = measured.get(name).stream().map(r -> r[0]).sorted().toList();
            System.out.printf(Locale.ROOT, "%s: median %d ms, %.0f rows/s; Spark jobs per run %s%n", name, ms.get(ms.size() / 2),
                    rows * 1000.0 / ms.get(ms.size() / 2), measured.get(name).stream().map(r -> Long.toString(r[1])).distinct().toList());
        }
    }
}
