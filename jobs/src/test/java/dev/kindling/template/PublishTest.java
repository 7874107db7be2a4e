package dev.kindling.template;

import static org.apache.spark.sql.functions.call_udf;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kindling.template.Outputs.StagedPartition;
import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import dev.kindling.testing.TestSpark;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
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
 * Publishing on Iceberg: two runs of one partition never both publish (the second is refused and
 * names the first, and its retry publishes), runs of other partitions never conflict, a reader keeps
 * the snapshot it started on, and nothing a run staged is visible before its publish.
 */
class PublishTest {

    private static final AtomicInteger TABLES = new AtomicInteger();
    private static final Logger LOG = LogManager.getLogger(PublishTest.class);
    private static final CountDownLatch STAGING_B_STARTED = new CountDownLatch(1);
    private static final CountDownLatch A_PUBLISHED = new CountDownLatch(1);
    private static final CountDownLatch READER_STARTED = new CountDownLatch(1);
    private static final CountDownLatch REPLACED = new CountDownLatch(1);

    private final SparkSession spark = TestSpark.session();

    @TempDir
    Path dir;

    private static String newTable() {
        return "outputs.orders_" + TABLES.incrementAndGet();
    }

    private SparkOutputs run(String runId) {
        return new SparkOutputs(spark, new JobMetrics(), LOG, Map.of("job", "publish-test", "run_id", runId, "logical_date", "2024-05-01"));
    }

    /** Orders 1..n of one run, amount = 100 * run + id. */
    private Dataset<Row> orders(int run, int n) {
        return spark.range(1, n + 1).selectExpr("cast(id as int) id", "cast(" + (100 * run) + " + id as int) amount");
    }

    private List<String> partition(String table, String date) {
        return spark.sql("SELECT id, amount FROM " + table + " WHERE ds = '" + date + "' ORDER BY id").collectAsList().stream().map(Row::toString).toList();
    }

    private Table iceberg(String table) {
        return IcebergTables.load(spark, table);
    }

    @Test
    void aTableMadeWithoutStagingGetsItSoNothingIsSeenBeforeThePublish() {
        String table = newTable();
        spark.sql("CREATE TABLE " + table + " (id INT, amount INT, ds STRING) USING iceberg PARTITIONED BY (ds)"); // write.wap.enabled unset
        try (SparkOutputs outputs = run("unstaged")) {
            StagedPartition staged = outputs.stagePartition(table, Partition.of("ds", "2024-05-01"), orders(1, 3), SchemaEvolution.NONE);
            assertThat(staged.rowsWritten()).isEqualTo(3);
            assertThat(partition(table, "2024-05-01")).as("staged, not published").isEmpty();
        }
        assertThat(partition(table, "2024-05-01")).as("discarded, never published").isEmpty();
        assertThat(iceberg(table).properties()).containsEntry(IcebergTables.WAP_ENABLED, "true");
    }

    @ParameterizedTest(name = "A stages, B stages, {0} publishes first")
    @ValueSource(strings = {"A", "B"})
    void ofTwoRunsOfOnePartitionTheFirstToPublishWinsTheOtherIsRefusedAndItsRetryPublishes(String first) {
        String table = newTable();
        SparkOutputs runA = run("run-a");
        SparkOutputs runB = run("run-b");
        StagedPartition a = runA.stagePartition(table, "ds", "2024-05-01", orders(1, 3));
        StagedPartition b = runB.stagePartition(table, "ds", "2024-05-01", orders(2, 5));
        assertThat(partition(table, "2024-05-01")).as("staged rows are invisible").isEmpty();

        StagedPartition winner = first.equals("A") ? a : b;
        StagedPartition loser = first.equals("A") ? b : a;
        winner.publish();
        assertThatThrownBy(loser::publish)
                .isInstanceOf(dev.kindling.dsl.publish.PublishConflictException.class)
                .hasMessageStartingWith("another run published " + table + " partition ds=2024-05-01 while this run was writing it: run run-" + first.toLowerCase()
                        + " (snapshot ")
                .hasMessageEndingWith("; nothing was published (a retry writes on top of it)");
        runA.close();
        runB.close();
        List<String> rowsOfA = List.of("[1,101]", "[2,102]", "[3,103]");
        List<String> rowsOfB = List.of("[1,201]", "[2,202]", "[3,203]", "[4,204]", "[5,205]");
        assertThat(partition(table, "2024-05-01")).as("the winner's rows, whole").isEqualTo(first.equals("A") ? rowsOfA : rowsOfB);
        assertThat(iceberg(table).snapshots()).as("one snapshot: the winner's publish; the staged ones are gone").hasSize(1);

        SparkOutputs retry = run("retry");
        retry.stagePartition(table, "ds", "2024-05-01", first.equals("A") ? orders(2, 5) : orders(1, 3)).publish();
        retry.close();
        assertThat(partition(table, "2024-05-01")).as("the retry publishes on top").isEqualTo(first.equals("A") ? rowsOfB : rowsOfA);
    }

    @Test
    void aPublishIsOneSnapshotThatSaysWhoWroteItAndWhatItChanged() {
        String table = newTable();
        SparkOutputs first = run("first");
        first.stagePartition(table, "ds", "2024-05-11", orders(3, 2)).publish();
        first.close();
        SparkOutputs rerun = run("rerun");
        StagedPartition staged = rerun.stagePartition(table, "ds", "2024-05-11", orders(1, 3));
        assertThat(staged.rowsWritten()).as("from the staged commit's summary").isEqualTo(3);
        staged.publish();
        rerun.close();

        assertThat(partition(table, "2024-05-11")).containsExactly("[1,101]", "[2,102]", "[3,103]");
        Snapshot current = iceberg(table).currentSnapshot();
        assertThat(current.summary()).containsEntry("kindling.run_id", "rerun").containsEntry("kindling.job", "publish-test")
                .containsEntry("kindling.logical_date", "2024-05-01").containsEntry("kindling.partition", "ds=2024-05-11")
                .containsEntry("added-records", "3").containsEntry("deleted-records", "2");
        assertThat(iceberg(table).snapshots()).hasSize(2);
        assertThat(spark.sql("SELECT count(*) FROM " + table + " VERSION AS OF " + current.parentId()).first().getLong(0))
                .as("the earlier publish, by time travel").isEqualTo(2);
    }

    @Test
    void aPublishLeavesNoMetadataFileOfItsStagedSnapshotBehindAndKeepsItsDataFiles() throws IOException {
        String table = newTable();
        for (int attempt = 1; attempt <= 2; attempt++) {
            SparkOutputs outputs = run("files-" + attempt);
            outputs.stagePartition(table, "ds", "2024-05-12", orders(attempt, 3)).publish();
            outputs.close();
        }
        Table published = iceberg(table);
        List<String> referenced = new ArrayList<>();
        for (Snapshot snapshot : published.snapshots()) {
            referenced.add(Path.of(java.net.URI.create(snapshot.manifestListLocation()).getPath()).toString());
            snapshot.allManifests(published.io()).forEach(m -> referenced.add(Path.of(java.net.URI.create(m.path()).getPath()).toString()));
        }
        Path metadata = Path.of(java.net.URI.create(published.location()).getPath(), "metadata");
        List<String> avro;
        try (var files = Files.list(metadata)) {
            avro = files.filter(f -> f.toString().endsWith(".avro")).map(Path::toString).toList();
        }
        assertThat(avro).as("every manifest and manifest list is a kept snapshot's").containsExactlyInAnyOrderElementsOf(referenced.stream().distinct().toList());
        assertThat(partition(table, "2024-05-12")).containsExactly("[1,201]", "[2,202]", "[3,203]");
        assertThat(published.snapshots()).as("the two publishes; both staged snapshots are gone").hasSize(2);
    }

    @Test
    void aRunStagingWhileAnotherPublishesIsRefusedAtItsPublishAndItsRetryPublishes() throws Exception {
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
        a.publish();
        assertThat(b).as("run B is still writing").isNotDone();
        A_PUBLISHED.countDown();
        StagedPartition stagedB = b.get(60, TimeUnit.SECONDS);
        assertThat(stagedB.rowsWritten()).isEqualTo(4);
        assertThat(stagedB.rows().count()).as("B audits its own rows, not A's").isEqualTo(4);
        assertThatThrownBy(stagedB::publish).isInstanceOf(dev.kindling.dsl.publish.PublishConflictException.class).hasMessageContaining("run run-a");
        runA.close();
        runB.close();
        assertThat(partition(table, "2024-05-02")).containsExactly("[1,101]", "[2,102]", "[3,103]");
    }

    @Test
    void aQueryThatStartedBeforeAPublishFinishesOnTheRowsItStartedWith() throws Exception {
        String table = newTable();
        SparkOutputs earlier = run("earlier");
        earlier.stagePartition(table, "ds", "2024-05-12", orders(1, 3).repartition(3)).publish();
        earlier.close();
        spark.udf().register("pause_until_replaced", (UDF1<Integer, Integer>) id -> {
            READER_STARTED.countDown();
            REPLACED.await(60, TimeUnit.SECONDS);
            return id;
        }, DataTypes.IntegerType);
        // one task reads every file of the partition, after the rerun replaced (and so unreferenced) them
        CompletableFuture<List<Row>> reader = CompletableFuture.supplyAsync(() -> spark.table(table).where("ds = '2024-05-12'").coalesce(1)
                .selectExpr("pause_until_replaced(id) id", "amount").orderBy("id").collectAsList());
        assertThat(READER_STARTED.await(60, TimeUnit.SECONDS)).as("the reader's query started").isTrue();

        SparkOutputs rerun = run("rerun");
        rerun.stagePartition(table, "ds", "2024-05-12", orders(2, 5)).publish();
        rerun.close();
        REPLACED.countDown();

        assertThat(reader.get(60, TimeUnit.SECONDS)).map(Row::toString).as("the snapshot it started on, whole").containsExactly("[1,101]", "[2,102]", "[3,103]");
        assertThat(partition(table, "2024-05-12")).hasSize(5);
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
    void runsOfTwoPartitionsOfOneDateStagedAtOnceBothPublishAndARerunReplacesOnlyItsOwn() {
        // the verify history's shape: one date, one partition per checked table
        String table = newTable();
        SparkOutputs runA = run("verify-a");
        SparkOutputs runB = run("verify-b");
        StagedPartition a = runA.stagePartition(table, Partition.of("ds", "2024-05-13").and("table_name", "sales.a"), orders(1, 2), SchemaEvolution.NONE);
        StagedPartition b = runB.stagePartition(table, Partition.of("ds", "2024-05-13").and("table_name", "sales.b"), orders(2, 3), SchemaEvolution.NONE);
        a.publish();
        b.publish();
        SparkOutputs rerunA = run("verify-a-again");
        rerunA.stagePartition(table, Partition.of("ds", "2024-05-13").and("table_name", "sales.a"), orders(3, 1), SchemaEvolution.NONE).publish();
        runA.close();
        runB.close();
        rerunA.close();

        assertThat(spark.sql("SELECT table_name, id, amount FROM " + table + " WHERE ds = '2024-05-13' ORDER BY table_name, id").collectAsList())
                .extracting(Row::toString).containsExactly("[sales.a,1,301]", "[sales.b,1,201]", "[sales.b,2,202]", "[sales.b,3,203]");
        assertThat(iceberg(table).currentSnapshot().summary()).containsEntry("kindling.partition", "ds=2024-05-13/table_name=sales.a");
    }

    @Test
    void aRunThatFailsItsChecksOnTheFirstRunCreatesNothing() throws IOException {
        String table = newTable();
        Path csv = Files.write(dir.resolve("bad.csv"), List.of("id,amount", "1,10", "2,twenty"));
        Result result = Kindling.onTestSpark().run("snapshot", "--source", csv.toString(), "--format", "csv", "--schema", "id INT, amount INT",
                "--target", table, "--logical-date", "2024-05-05", "--run-id", "first-and-bad");

        assertThat(result.exitCode()).as(result.err()).isEqualTo(3);
        assertThat(spark.catalog().tableExists(table)).isFalse();
        assertThat(spark.catalog().tableExists(table + "_quarantine")).isFalse();
        assertThat(TestSpark.workDir().resolve("warehouse/outputs/" + table.substring(table.indexOf('.') + 1))).as("the table's folder").doesNotExist();
    }

    @Test
    void aRerunReplacesThePartitionsQuarantineAndAnUnpublishedRunLeavesNoneVisible() throws IOException {
        String table = newTable();
        Path twoBad = Files.write(dir.resolve("two-bad.csv"), List.of("id,amount", "1,10", "2,x", "3,y", "4,40"));
        Path oneBad = Files.write(dir.resolve("one-bad.csv"), List.of("id,amount", "1,10", "2,20", "3,z", "4,40"));
        assertThat(snapshot(twoBad, table, "first").exitCode()).isZero();
        assertThat(rejected(table)).containsExactly("2,x", "3,y");

        // a run killed after it staged its quarantine: never published, never cleaned up
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
        assertThat(quarantine.where()).endsWith("_quarantine partition ds=2024-05-07");
    }

    /** A publication that records the steps run on it, and fails the step named {@code failing}. */
    private static final class Recorded implements Publication<String> {
        final List<String> steps = new ArrayList<>();
        private final String failing;

        Recorded(String failing) {
            this.failing = failing;
        }

        private void step(String step) {
            steps.add(step);
            if (step.startsWith(failing)) {
                throw new DataQualityException(step + " refused");
            }
        }

        @Override
        public String plan() {
            steps.add("plan");
            return "copy 3 rows to the moon";
        }

        @Override
        public String stage() {
            step("stage");
            return "staged";
        }

        @Override
        public void audit(String staged) {
            step("audit " + staged);
        }

        @Override
        public void publish(String staged) {
            step("publish " + staged);
        }

        @Override
        public void discard(String staged) {
            steps.add("discard " + staged);
        }
    }

    @Test
    void aPublicationIsStagedAuditedThenPublishedAndDiscardedWhenItsAuditOrPublishFails() throws Exception {
        Recorded clean = new Recorded("none");
        run("publication").publish(clean);
        assertThat(clean.steps).containsExactly("stage", "audit staged", "publish staged");

        Recorded refused = new Recorded("audit");
        assertThatThrownBy(() -> run("refused").publish(refused)).isInstanceOf(DataQualityException.class).hasMessage("audit staged refused");
        assertThat(refused.steps).containsExactly("stage", "audit staged", "discard staged");

        Recorded lost = new Recorded("publish");
        assertThatThrownBy(() -> run("lost").publish(lost)).hasMessage("publish staged refused");
        assertThat(lost.steps).containsExactly("stage", "audit staged", "publish staged", "discard staged");

        Recorded unstaged = new Recorded("stage");
        assertThatThrownBy(() -> run("unstaged").publish(unstaged)).hasMessage("stage refused");
        assertThat(unstaged.steps).as("nothing staged, nothing to discard").containsExactly("stage");
    }

    @Test
    void aDryRunPrintsWhatAPublicationWouldWriteAndRunsNoneOfIt() {
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        Recorded dry = new Recorded("none");
        new DryRunOutputs(spark, new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8)).publish(dry);
        assertThat(dry.steps).containsExactly("plan");
        assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("dry run: would copy 3 rows to the moon" + System.lineSeparator());
    }

    private static Result snapshot(Path csv, String table, String runId) {
        return Kindling.onTestSpark().run("snapshot", "--source", csv.toString(), "--format", "csv", "--schema", "id INT, amount INT",
                "--max-bad-ratio", "0.5", "--target", table, "--logical-date", "2024-05-06", "--run-id", runId);
    }

    private List<String> rejected(String table) {
        List<String> records = new ArrayList<>();
        spark.sql("SELECT record FROM " + table + "_quarantine WHERE ds = '2024-05-06' ORDER BY record").collectAsList()
                .forEach(row -> records.add(row.getString(0)));
        return records;
    }
}
