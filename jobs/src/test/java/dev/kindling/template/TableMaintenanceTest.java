package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.kindling.dsl.publish.StagedTable;
import dev.kindling.dsl.publish.TableWriter;
import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import dev.kindling.testing.RunLog;
import dev.kindling.testing.TestSpark;
import org.apache.logging.log4j.LogManager;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The maintain job's housekeeping: only what is older than the retention goes, and a dry run changes nothing. */
class TableMaintenanceTest {

    private static final SparkSession SPARK = TestSpark.session();
    /** Everything written before the maintenance runs is older than this. */
    private static final Outputs.Retention NOW = new Outputs.Retention(Duration.ofMillis(1), 1, true, false);
    private static final Outputs.Retention A_WEEK = new Outputs.Retention(Duration.ofDays(7), 1, true, false);

    @TempDir
    Path dir;

    private static Outputs.Maintenance maintain(String table, Outputs.Retention retention, boolean dryRun) {
        return new TableMaintenance(SPARK, LogManager.getLogger("test")).maintain(table, retention, dryRun);
    }

    private void snapshot(String table, String run, String csv) throws IOException {
        Path source = Files.writeString(dir.resolve(run + ".csv"), "id,name\n" + csv);
        Result result = Kindling.onTestSpark().run("snapshot", "--source", source.toString(), "--format", "csv", "--schema", "id INT, name STRING",
                "--target", table, "--logical-date", "2024-01-01", "--run-id", run);
        assertThat(result.exitCode()).as(result.err()).isZero();
    }

    private static List<String> column(String sql) {
        return SPARK.sql(sql).collectAsList().stream().map(row -> String.valueOf(row.get(0))).sorted().toList();
    }

    private static long count(String sql) {
        return SPARK.sql(sql).first().getLong(0);
    }

    @Test
    void oldSnapshotsStagingOfKilledRunsAndOrphanFilesGoOnlyOnceOlderThanTheRetention() throws IOException {
        String table = "maintained.orders";
        snapshot(table, "first", "1,a\n");
        long first = count("SELECT snapshot_id FROM spark_catalog." + table + ".refs WHERE name = 'main'");
        snapshot(table, "second", "1,b\n");
        snapshot(table, "third", "1,c\n2,d\n");
        // a killed whole-table run's staging branch, and a file a killed write left in the table's folder
        StagedTable killed = StagedTable.begin(SPARK, table, SPARK.table(table).schema(), List.of(), "killed");
        killed.write(SPARK.table(table), Map.of());
        String location = SPARK.sql("DESCRIBE TABLE EXTENDED " + table).where("col_name = 'Location'").first().getString(1);
        Path orphan = Files.writeString(Path.of(location.replaceFirst("^file:", ""), "data", "left-by-a-killed-task.parquet"), "not referenced");
        long snapshotsBefore = count("SELECT count(*) FROM spark_catalog." + table + ".snapshots");

        Outputs.Maintenance keptForAWeek = maintain(table, A_WEEK, false);
        assertThat(keptForAWeek).isEqualTo(new Outputs.Maintenance(table, 0, 0, 0, 0, 0, 0, false, false, 0));

        Outputs.Maintenance wouldGo = maintain(table, NOW, true);
        assertThat(wouldGo.snapshotsExpired()).as("first and second; third is main's last, the branch head is a branch's").isEqualTo(2);
        assertThat(wouldGo.branchesDropped()).isEqualTo(1);
        assertThat(wouldGo.orphanFilesDeleted()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM spark_catalog." + table + ".snapshots")).as("a dry run changes nothing").isEqualTo(snapshotsBefore);
        assertThat(column("SELECT name FROM spark_catalog." + table + ".refs")).hasSize(2);
        assertThat(orphan).exists();

        Outputs.Maintenance gone = maintain(table, NOW, false);
        assertThat(gone.branchesDropped()).isEqualTo(1);
        assertThat(gone.orphanFilesDeleted()).isEqualTo(1);
        assertThat(gone.snapshotsExpired()).as("first, second and the killed run's staged snapshot").isEqualTo(3);
        assertThat(gone.filesDeleted()).isPositive();
        assertThat(orphan).doesNotExist();
        assertThat(column("SELECT name FROM spark_catalog." + table + ".refs")).containsExactly("main");
        assertThat(count("SELECT count(*) FROM spark_catalog." + table + ".snapshots")).isEqualTo(1);
        assertThat(column("SELECT name FROM " + table)).as("the published rows are untouched").containsExactly("c", "d");
        assertThatThrownBy(() -> SPARK.sql("SELECT * FROM " + table + " VERSION AS OF " + first).collectAsList())
                .hasMessageContaining(String.valueOf(first));
    }

    @Test
    void aMailingListsCsvCopyGoesWithItsSnapshotAndATableNobodyPublishedIsDropped() {
        TableWriter shell = TableWriter.inSession(SPARK);
        var users = SPARK.sql("SELECT CAST(id AS BIGINT) AS user_id FROM range(3)");
        String firstCopy = shell.replaceWithCsv("maintained.list", users, "user_id").csvFolder();
        String secondCopy = shell.replaceWithCsv("maintained.list", users.where("user_id > 0"), "user_id").csvFolder();
        StagedTable.begin(SPARK, "maintained.never_published", users.schema(), List.of(), "killed"); // created, then the run died

        assertThat(maintain("maintained.list", NOW, true).csvCopiesDeleted()).isEqualTo(1);
        assertThat(Path.of(firstCopy)).exists();
        Outputs.Maintenance list = maintain("maintained.list", NOW, false);
        assertThat(list.csvCopiesDeleted()).isEqualTo(1);
        assertThat(Path.of(firstCopy)).doesNotExist();
        assertThat(Path.of(secondCopy)).as("the current list's copy stays").exists();

        assertThat(maintain("maintained.never_published", A_WEEK, false).tableDropped()).isFalse();
        assertThat(maintain("maintained.never_published", NOW, false).tableDropped()).isTrue();
        assertThat(SPARK.catalog().tableExists("maintained.never_published")).isFalse();
    }

    @Test
    void aHiveTableOfAnEarlierKindlingIsMovedToIcebergOnlyWithMigrateAndOnlyWhereTheCatalogCan() throws IOException {
        // as Kindling wrote tables before Iceberg: external at <warehouse>/<db>/<table>, each partition pointing at a version folder
        Path location = TestSpark.workDir().resolve("warehouse/maintained/old_orders");
        Path version = location.resolve("_kindling_versions/ds=2024-01-01/run-1-1700000000000");
        SPARK.range(1, 4).selectExpr("cast(id as int) id", "concat('old', id) name").write().parquet(version.toString());
        SPARK.sql("CREATE DATABASE IF NOT EXISTS maintained");
        SPARK.sql("CREATE TABLE maintained.old_orders (id INT, name STRING) USING parquet PARTITIONED BY (ds STRING) LOCATION '" + location + "'");
        SPARK.sql("ALTER TABLE maintained.old_orders ADD PARTITION (ds='2024-01-01') LOCATION '" + version + "'");

        Result refused = Kindling.onTestSpark().run("snapshot", "--source", Files.writeString(dir.resolve("new.csv"), "id,name\n9,new\n").toString(),
                "--format", "csv", "--schema", "id INT, name STRING", "--target", "maintained.old_orders", "--logical-date", "2024-01-02");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.errLines()).singleElement().asString().contains("'kindling maintain --table maintained.old_orders --migrate'");

        Result dryRun = Kindling.onTestSpark().run("maintain", "--table", "maintained.old_orders", "--migrate", "--dry-run", "--logical-date", "2024-01-02");
        assertThat(dryRun.exitCode()).as(dryRun.err()).isZero();
        assertThat(dryRun.out()).contains("dry run: would maintain maintained.old_orders: would move to Iceberg in place (1 partitions)");
        assertThat(IcebergTables.kind(SPARK, "maintained.old_orders")).isEqualTo(IcebergTables.Kind.OTHER);

        // the embedded default's file-based catalog keeps a table only at a path of its own: it refuses, and the table stays as it was
        // (Iceberg's JDBC catalog, the stack's, moved the same table in place at commit 1ea0191)
        Result migrated = Kindling.onTestSpark().run("maintain", "--table", "maintained.old_orders", "--migrate", "--logical-date", "2024-01-02");
        assertThat(migrated.exitCode()).isEqualTo(2);
        assertThat(migrated.errLines()).singleElement().asString().contains("table maintained.old_orders cannot be moved to Iceberg in place by this catalog (")
                .endsWith("copy it instead: CREATE TABLE <new> USING iceberg PARTITIONED BY (...) AS SELECT * FROM maintained.old_orders");
        assertThat(IcebergTables.kind(SPARK, "maintained.old_orders")).isEqualTo(IcebergTables.Kind.OTHER);
        assertThat(column("SELECT name FROM maintained.old_orders")).containsExactly("old1", "old2", "old3");

        SPARK.sql("CREATE TABLE IF NOT EXISTS maintained.managed_hive (id INT) USING parquet");
        Result managed = Kindling.onTestSpark().run("maintain", "--table", "maintained.managed_hive", "--migrate", "--logical-date", "2024-01-02");
        assertThat(managed.exitCode()).isEqualTo(2);
        assertThat(managed.errLines()).singleElement().asString().endsWith("table maintained.managed_hive is a managed table, not an external Hive table,"
                + " and is not moved in place (its files would move under the backup's folder);"
                + " copy it instead: CREATE TABLE <new> USING iceberg PARTITIONED BY (...) AS SELECT * FROM maintained.managed_hive");
    }

    @Test
    void theJobMaintainsEachTableAndReportsWhatWent() throws IOException {
        snapshot("maintained.job_target", "job-1", "1,a\n");
        // no rejects yet: the quarantine table does not exist, and is skipped
        Result result = Kindling.onTestSpark().run("maintain", "--table", "maintained.job_target,maintained.job_target_quarantine",
                "--logical-date", "2024-01-02", "--run-id", "maintain-1");
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(RunLog.ofTestSpark().summary("maintain-1")).contains("tables_maintained=2", "tables_missing=1", "snapshots_expired=0", "orphan_files_deleted=0");
        assertThat(RunLog.ofTestSpark().lines("maintain-1")).anyMatch(line -> line.contains("maintained maintained.job_target: 0 snapshots expired"))
                .anyMatch(line -> line.contains("maintained.job_target_quarantine does not exist: nothing to maintain"));

        SPARK.sql("CREATE TABLE IF NOT EXISTS maintained.hive_table (id INT) USING parquet");
        Result hive = Kindling.onTestSpark().run("maintain", "--table", "maintained.hive_table", "--logical-date", "2024-01-02");
        assertThat(hive.exitCode()).isEqualTo(2);
        assertThat(hive.errLines()).singleElement().asString().contains("maintained.hive_table");
    }
}
