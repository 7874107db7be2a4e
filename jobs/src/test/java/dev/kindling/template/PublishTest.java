package dev.kindling.template;

import static org.apache.spark.sql.functions.call_udf;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import dev.kindling.dsl.publish.VersionedLocation;
import dev.kindling.template.Outputs.StagedPartition;
import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import dev.kindling.testing.TestSpark;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.metrics.source.HiveCatalogMetrics;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Publishing never harms another run: two runs of one partition, staged and published in any order,
 * leave one complete version, and neither run's files vanish before its own publish.
 */
class PublishTest {

    private static final AtomicInteger TABLES = new AtomicInteger();
    private static final Logger LOG = LogManager.getLogger(PublishTest.class);
    private static final CountDownLatch STAGING_B_STARTED = new CountDownLatch(1);
    private static final CountDownLatch A_PUBLISHED = new CountDownLatch(1);

    private final SparkSession spark = TestSpark.session();

    @TempDir
    Path dir;

    private static String newTable() {
        return "outputs.orders_" + TABLES.incrementAndGet();
    }

    private SparkOutputs run(String runId) {
        return new SparkOutputs(spark, new JobMetrics(), LOG, runId);
    }

    /** Orders 1..n of one run, amount = 100 * run + id. */
    private Dataset<Row> orders(int run, int n) {
        return spark.range(1, n + 1).selectExpr("cast(id as int) id", "cast(" + (100 * run) + " + id as int) amount");
    }

    private List<String> partition(String table, String date) {
        return spark.sql("SELECT id, amount FROM " + table + " WHERE ds = '" + date + "' ORDER BY id").collectAsList().stream().map(Row::toString).toList();
    }

    private Path versions(String table, String date) {
        return TestSpark.workDir().resolve("warehouse/outputs.db/" + table.substring(table.indexOf('.') + 1) + "/_kindling_versions/ds=" + date);
    }

    /** The version folder a run staged (its name starts with the run id). */
    private Path versionOf(String table, String date, String runId) throws IOException {
        try (Stream<Path> all = Files.list(versions(table, date))) {
            return all.filter(p -> p.getFileName().toString().startsWith(runId + "-")).findFirst().orElseThrow();
        }
    }

    private static List<Path> parquetFiles(Path version) throws IOException {
        try (Stream<Path> files = Files.list(version)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
        }
    }

    @ParameterizedTest(name = "A stages, B stages, {0} publishes first")
    @ValueSource(strings = {"A", "B"})
    void twoRunsOfOnePartitionPublishInEitherOrderWithoutDeletingEachOther(String first) throws IOException {
        String table = newTable();
        TwoRuns runs = stageTwoRuns(table, "2024-05-01");
        Path versionA = runs.versionA();
        Path versionB = runs.versionB();
        List<Path> filesA = parquetFiles(versionA);
        List<Path> filesB = parquetFiles(versionB);

        StagedPartition firstRun = first.equals("A") ? runs.a() : runs.b();
        StagedPartition secondRun = first.equals("A") ? runs.b() : runs.a();
        List<Path> filesOfSecond = first.equals("A") ? filesB : filesA;
        firstRun.publish();
        assertThat(filesOfSecond).as("the other run's staged files are still there").isNotEmpty().allMatch(Files::exists);
        secondRun.publish();
        runs.close();

        List<String> expected = first.equals("A")
                ? List.of("[1,201]", "[2,202]", "[3,203]", "[4,204]", "[5,205]")
                : List.of("[1,101]", "[2,102]", "[3,103]");
        assertThat(partition(table, "2024-05-01")).as("the last publish wins, whole").isEqualTo(expected);
        Path published = first.equals("A") ? versionB : versionA;
        try (Stream<Path> kept = Files.list(versions(table, "2024-05-01"))) {
            assertThat(kept).as("the replaced version is deleted, the published one kept").containsExactly(published);
        }
    }

    @Test
    void aRunWhosePartitionAnotherRunSwapsBeforeItsReadBackFailsAndDeletesNothing() throws IOException {
        String table = newTable();
        Path earlier = publishedEarlier(table, "2024-05-09");
        TwoRuns runs = stageTwoRuns(table, "2024-05-09");
        Path versionB = runs.versionB();
        List<Path> filesB = parquetFiles(versionB);

        runs.runA().interleavePublish(VersionedLocation.Step.AFTER_SWAP, runs.b()::publish);
        assertThatThrownBy(runs.a()::publish).as("A's read-back finds B's version")
                .isInstanceOf(VersionedLocation.ConcurrentPublishException.class).hasMessageContaining("nothing was deleted");
        runs.close();

        assertThat(partition(table, "2024-05-09")).as("B's version, whole").containsExactly("[1,201]", "[2,202]", "[3,203]", "[4,204]", "[5,205]");
        assertThat(filesB).as("the winner's files").isNotEmpty().allMatch(Files::exists);
        try (Stream<Path> kept = Files.list(versions(table, "2024-05-09"))) {
            // B deleted A's version, which it replaced; the one A replaced is left for the week-old sweep
            assertThat(kept).containsExactlyInAnyOrder(versionB, earlier);
        }
    }

    @Test
    void aRunThatSwapsAfterAnotherRunsWholePublishWinsWholeAndDeletesOnlyWhatItRead() throws IOException {
        String table = newTable();
        publishedEarlier(table, "2024-05-10");
        TwoRuns runs = stageTwoRuns(table, "2024-05-10");
        List<Path> filesB = parquetFiles(runs.versionB());

        // the metastore has no compare-and-swap: B publishes between A's read and A's swap, and A's swap wins
        runs.runA().interleavePublish(VersionedLocation.Step.BEFORE_SWAP, runs.b()::publish);
        runs.a().publish();
        runs.close();

        assertThat(partition(table, "2024-05-10")).as("A's version, whole").containsExactly("[1,101]", "[2,102]", "[3,103]");
        assertThat(filesB).as("A deletes only the version it read, never B's").isNotEmpty().allMatch(Files::exists);
        try (Stream<Path> kept = Files.list(versions(table, "2024-05-10"))) {
            assertThat(kept).containsExactlyInAnyOrder(runs.versionA(), runs.versionB());
        }
    }

    @Test
    void aRerunsPublishLooksThePartitionUpOnlyBeforeAndAfterItsSwap() throws IOException {
        String table = newTable();
        publishedEarlier(table, "2024-05-11");
        SparkOutputs rerun = run("rerun");
        StagedPartition staged = rerun.stagePartition(table, "ds", "2024-05-11", orders(1, 2));
        long before = HiveCatalogMetrics.METRIC_HIVE_CLIENT_CALLS().getCount();
        staged.publish();
        long calls = HiveCatalogMetrics.METRIC_HIVE_CLIENT_CALLS().getCount() - before;
        rerun.close();

        assertThat(partition(table, "2024-05-11")).containsExactly("[1,101]", "[2,102]");
        // Spark 4.1 on the embedded metastore: the table check 7 calls, each look-up of the partition's location
        // 14 (before and after the swap), the swap 25, the refresh 3; the publish took 128 when it looked the
        // table and the partition up before each look-up, and once more for the week-old sweep
        assertThat(calls).as("metastore client calls of one publish").isLessThanOrEqualTo(63);
    }

    /** Run A staged orders 1..3 of run 1 for a partition, run B orders 1..5 of run 2 for the same one. */
    private record TwoRuns(SparkOutputs runA, SparkOutputs runB, StagedPartition a, StagedPartition b, Path versionA, Path versionB) {
        void close() {
            runA.close();
            runB.close();
        }
    }

    private TwoRuns stageTwoRuns(String table, String date) throws IOException {
        SparkOutputs runA = run("run-a");
        SparkOutputs runB = run("run-b");
        StagedPartition a = runA.stagePartition(table, "ds", date, orders(1, 3));
        StagedPartition b = runB.stagePartition(table, "ds", date, orders(2, 5));
        return new TwoRuns(runA, runB, a, b, versionOf(table, date, "run-a"), versionOf(table, date, "run-b"));
    }

    /** The version an earlier run published (orders of run 3). */
    private Path publishedEarlier(String table, String date) throws IOException {
        SparkOutputs earlier = run("earlier");
        earlier.stagePartition(table, "ds", date, orders(3, 2)).publish();
        earlier.close();
        return versionOf(table, date, "earlier");
    }

    @Test
    void aRunStagingWhileAnotherPublishesKeepsItsFiles() throws Exception {
        String table = newTable();
        spark.udf().register("pause_until_a_published", (UDF1<Integer, Integer>) id -> {
            STAGING_B_STARTED.countDown();
            A_PUBLISHED.await(60, TimeUnit.SECONDS);
            return id;
        }, DataTypes.IntegerType);
        SparkOutputs runA = run("run-a");
        SparkOutputs runB = run("run-b");
        StagedPartition a = runA.stagePartition(table, "ds", "2024-05-02", orders(1, 3));
        // one task: the other of the session's two slots stays free for A's publish
        Dataset<Row> slow = orders(2, 4).coalesce(1).withColumn("id", call_udf("pause_until_a_published", col("id")));
        CompletableFuture<StagedPartition> b = CompletableFuture.supplyAsync(() -> runB.stagePartition(table, "ds", "2024-05-02", slow));

        assertThat(STAGING_B_STARTED.await(60, TimeUnit.SECONDS)).as("run B's write started").isTrue();
        Path versionB = versionOf(table, "2024-05-02", "run-b");
        a.publish();
        assertThat(b).as("run B is still writing").isNotDone();
        assertThat(versionB).as("run B's staging, mid-write, survives A's publish").exists();
        A_PUBLISHED.countDown();
        StagedPartition stagedB = b.get(60, TimeUnit.SECONDS);
        assertThat(stagedB.rowsWritten()).isEqualTo(4);
        assertThat(partition(table, "2024-05-02")).containsExactly("[1,101]", "[2,102]", "[3,103]");

        stagedB.publish();
        runA.close();
        runB.close();
        assertThat(partition(table, "2024-05-02")).containsExactly("[1,201]", "[2,202]", "[3,203]", "[4,204]");
    }

    @Test
    void versionsLeftUnpublishedForAWeekAreDeletedByTheNextPublishYoungerOnesKept() throws IOException {
        String table = newTable();
        SparkOutputs runA = run("run-a");
        StagedPartition a = runA.stagePartition(table, "ds", "2024-05-08", orders(1, 2));
        long now = System.currentTimeMillis();
        Path killedLastMonth = Files.createDirectories(versions(table, "2024-05-08").resolve("killed-" + (now - Duration.ofDays(30).toMillis())));
        Path killedYesterday = Files.createDirectories(versions(table, "2024-05-08").resolve("killed-" + (now - Duration.ofDays(1).toMillis())));

        a.publish();
        runA.close();

        assertThat(killedLastMonth).doesNotExist();
        assertThat(killedYesterday).as("it might be a run still writing").exists();
        assertThat(partition(table, "2024-05-08")).containsExactly("[1,101]", "[2,102]");
    }

    @Test
    void runsOfDifferentDatesOfOneTableBothPublish() {
        String table = newTable();
        SparkOutputs runA = run("run-a");
        SparkOutputs runB = run("run-b");
        StagedPartition a = runA.stagePartition(table, "ds", "2024-05-03", orders(1, 2));
        StagedPartition b = runB.stagePartition(table, "ds", "2024-05-04", orders(2, 3));
        b.publish();
        a.publish();
        runA.close();
        runB.close();
        assertThat(partition(table, "2024-05-03")).containsExactly("[1,101]", "[2,102]");
        assertThat(partition(table, "2024-05-04")).containsExactly("[1,201]", "[2,202]", "[3,203]");
    }

    @Test
    void aRunThatFailsItsChecksOnTheFirstRunCreatesNothing() throws IOException {
        String table = newTable();
        Path csv = Files.write(dir.resolve("bad.csv"), List.of("id,amount", "1,10", "2,twenty"));
        Result result = Kindling.onTestSpark().run("snapshot", "--source", csv.toString(), "--format", "csv", "--schema", "id INT, amount INT",
                "--target", table, "--logical-date", "2024-05-05", "--run-id", "first-and-bad");

        assertThat(result.exitCode()).as(result.err()).isEqualTo(3);
        assertThat(spark.catalog().tableExists(table)).isFalse();
        assertThat(versions(table, "2024-05-05").getParent().getParent()).as("the table's folder").doesNotExist();
    }

    @Test
    void aRerunReplacesThePartitionsQuarantineAndAnUnpublishedRunLeavesNoneVisible() throws IOException {
        String table = newTable();
        Path twoBad = Files.write(dir.resolve("two-bad.csv"), List.of("id,amount", "1,10", "2,x", "3,y", "4,40"));
        Path oneBad = Files.write(dir.resolve("one-bad.csv"), List.of("id,amount", "1,10", "2,20", "3,z", "4,40"));
        assertThat(snapshot(twoBad, table, "first").exitCode()).isZero();
        assertThat(rejected(table)).containsExactly("2,x", "3,y");

        // a run killed after it wrote its quarantine: never published, never cleaned up
        StagedPartition killed = run("killed").stagePartition(table, "ds", "2024-05-06", orders(9, 1));
        assertThat(killed.quarantine(spark.sql("SELECT 'killed,1' AS record, 'malformed record' AS reason")).rows()).isEqualTo(1);
        assertThat(rejected(table)).containsExactly("2,x", "3,y");

        assertThat(snapshot(oneBad, table, "rerun").exitCode()).isZero();
        assertThat(rejected(table)).as("the rerun's rejects alone").containsExactly("3,z");
        assertThat(partition(table, "2024-05-06")).containsExactly("[1,10]", "[2,20]", "[4,40]");
    }

    @Test
    void theQuarantineCountIsSparksCountOfItsWrite() {
        SparkOutputs outputs = run("counted");
        StagedPartition staged = outputs.stagePartition(newTable(), "ds", "2024-05-07", orders(1, 2));
        Outputs.Quarantine quarantine = staged.quarantine(spark.range(0, 7).selectExpr("cast(id as string) record", "'bad' reason"));
        outputs.close();
        assertThat(quarantine.rows()).isEqualTo(7);
        assertThat(quarantine.path()).endsWith("/_quarantine");
    }

    private static Result snapshot(Path csv, String table, String runId) {
        return Kindling.onTestSpark().run("snapshot", "--source", csv.toString(), "--format", "csv", "--schema", "id INT, amount INT",
                "--max-bad-ratio", "0.5", "--target", table, "--logical-date", "2024-05-06", "--run-id", runId);
    }

    private List<String> rejected(String table) {
        String location = spark.sql("DESCRIBE TABLE EXTENDED " + table + " PARTITION (ds = '2024-05-06')").where("col_name = 'Location'").first().getString(1);
        List<String> records = new ArrayList<>();
        spark.read().json(location + "/_quarantine").orderBy("record").collectAsList().forEach(row -> records.add(row.getAs("record")));
        return records;
    }
}
