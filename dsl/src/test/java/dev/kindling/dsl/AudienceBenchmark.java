package dev.kindling.dsl;

import static dev.kindling.dsl.Audiences.between;
import static dev.kindling.dsl.Audiences.users;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import dev.kindling.testing.TestSpark;

/**
 * The Spark half of the audience benchmark (dsl/bench/run, docs/benchmarks.md): the README's example
 * through the DSL and as hand-written Spark SQL, in one session on the demo marketplace of a work dir.
 * Checks both give the same users, writes them to result-ids.txt, prints one line per variant, and
 * exports the tables to Parquet (once) for the DuckDB half. Not a test: it takes minutes.
 * Arguments: work dir, output dir, measured runs, the hand-written SQL file.
 */
public final class AudienceBenchmark {

    private static final List<String> TABLES = List.of("users", "transactions", "categories", "postal_codes");

    /** Runs of each variant before the measured ones (the Connect variant's script does as many). */
    static final int WARM_UP_RUNS = 3;

    public static void main(String[] args) throws IOException {
        Path workDir = Path.of(args[0]).toAbsolutePath();
        Path out = Files.createDirectories(Path.of(args[1]).toAbsolutePath());
        int runs = Integer.parseInt(args[2]);
        SparkSession spark = TestSpark.open(workDir);
        Audiences.use(spark, Tables.demo());
        String sql = Files.readString(Path.of(args[3]));

        Supplier<List<Long>> dsl = () -> ids(users().withPermissionToMailing()
                .soldAtLeast(4, "Sports", between("2017-01-01", "2017-01-20")).livingNear("87-100", 10).toDataset().select("user_id").collectAsList());
        Supplier<List<Long>> handWritten = () -> ids(spark.sql(sql).collectAsList());

        List<Long> expected = handWritten.get();
        if (!dsl.get().equals(expected)) {
            throw new IllegalStateException("the DSL and the hand-written SQL found different users");
        }
        Files.write(out.resolve("result-ids.txt"), expected.stream().map(String::valueOf).toList());
        // warm both (an analyst's session is warm after its first few questions), then alternate so that
        // neither gets a quieter machine
        for (int i = 0; i < WARM_UP_RUNS; i++) {
            dsl.get();
            handWritten.get();
        }
        List<Double> dslSeconds = new ArrayList<>();
        List<Double> sqlSeconds = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            dslSeconds.add(seconds(dsl));
            sqlSeconds.add(seconds(handWritten));
        }
        System.out.println(line("spark-dsl", dslSeconds, expected.size()));
        System.out.println(line("spark-sql", sqlSeconds, expected.size()));
        System.out.println(whereTheTimeGoes(spark, runs));
        System.out.println("rows users=" + spark.table("marketplace.users").count() + " transactions=" + spark.table("marketplace.transactions").count());

        for (String table : TABLES) {
            Path target = out.resolve("parquet").resolve(table);
            if (!Files.exists(target)) {
                var writer = spark.table("marketplace." + table).write();
                (table.equals("transactions") ? writer.partitionBy("transaction_date") : writer).parquet(target.toString());
            }
        }
        spark.stop();
    }

    /**
     * The DSL's median time split into building the steps, planning (Spark's analysis, optimization
     * with partition pruning, physical planning) and running, with the Spark jobs, stages and tasks
     * of one run, counted by a listener.
     */
    private static String whereTheTimeGoes(SparkSession spark, int runs) {
        AtomicInteger jobs = new AtomicInteger();
        AtomicInteger stages = new AtomicInteger();
        AtomicInteger tasks = new AtomicInteger();
        SparkListener counter = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart start) {
                jobs.incrementAndGet();
            }

            @Override
            public void onStageCompleted(SparkListenerStageCompleted completed) {
                stages.incrementAndGet();
            }

            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                tasks.incrementAndGet();
            }
        };
        spark.sparkContext().addSparkListener(counter);
        List<Double> build = new ArrayList<>();
        List<Double> plan = new ArrayList<>();
        List<Double> run = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            jobs.set(0);
            stages.set(0);
            tasks.set(0);
            long started = System.nanoTime();
            MailableAudience audience = users().withPermissionToMailing()
                    .soldAtLeast(4, "Sports", between("2017-01-01", "2017-01-20")).livingNear("87-100", 10);
            long built = System.nanoTime();
            Dataset<Row> ids = audience.toDataset().select("user_id");
            ids.queryExecution().executedPlan();
            long planned = System.nanoTime();
            ids.collectAsList();
            long ran = System.nanoTime();
            build.add((built - started) / 1e9);
            plan.add((planned - built) / 1e9);
            run.add((ran - planned) / 1e9);
        }
        spark.sparkContext().removeSparkListener(counter);
        return String.format(Locale.ROOT, "where spark-dsl build=%.3f plan=%.3f run=%.3f jobs=%d stages=%d tasks=%d",
                median(build), median(plan), median(run), jobs.get(), stages.get(), tasks.get());
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static List<Long> ids(List<Row> rows) {
        List<Long> ids = new ArrayList<>(rows.stream().map(row -> row.getLong(0)).toList());
        Collections.sort(ids);
        return ids;
    }

    private static double seconds(Supplier<?> run) {
        long start = System.nanoTime();
        run.get();
        return (System.nanoTime() - start) / 1e9;
    }

    private static String line(String variant, List<Double> seconds, int users) {
        List<Double> sorted = new ArrayList<>(seconds);
        Collections.sort(sorted);
        return String.format(Locale.ROOT, "result %s median=%.3f min=%.3f runs=%d users=%d", variant,
                median(seconds), sorted.get(0), sorted.size(), users);
    }
}
