package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import dev.kindling.testing.TestSpark;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kindling history and kindling rollback on tables the snapshot job published. */
class TableCommandsTest {

    private static final SparkSession SPARK = TestSpark.session();
    private static final String SCHEMA = "id INT, name STRING";

    @TempDir
    Path dir;

    private Result snapshot(String table, String date, String run, String csv) throws IOException {
        Path source = Files.writeString(dir.resolve(run + ".csv"), "id,name\n" + csv);
        return Kindling.onTestSpark().run("snapshot", "--source", source.toString(), "--format", "csv", "--schema", SCHEMA,
                "--target", table, "--logical-date", date, "--run-id", run);
    }

    private static List<String> rows(String table) {
        return SPARK.sql("SELECT id, name, ds FROM " + table + " ORDER BY ds, id").collectAsList().stream().map(Row::toString).toList();
    }

    private static long current(String table) {
        return SPARK.sql("SELECT snapshot_id FROM spark_catalog." + table + ".refs WHERE name = 'main'").first().getLong(0);
    }

    @Test
    void historyListsEachPublishWithItsRunAndARollbackBeforeARunRestoresTheTableExactly() throws IOException {
        String table = "commands.orders";
        assertThat(snapshot(table, "2024-01-01", "day-1", "1,a\n2,b\n").exitCode()).isZero();
        long afterDay1 = current(table);
        assertThat(snapshot(table, "2024-01-02", "day-2", "3,c\n").exitCode()).isZero();
        assertThat(snapshot(table, "2024-01-01", "day-1-rerun", "1,a2\n").exitCode()).isZero();
        long latest = current(table);
        assertThat(rows(table)).containsExactly("[1,a2,2024-01-01]", "[3,c,2024-01-02]");

        Result history = Kindling.onTestSpark().run("history", "--table", table);
        assertThat(history.exitCode()).as(history.err()).isZero();
        List<String> lines = history.out().lines().toList();
        assertThat(lines.get(0)).startsWith("published").contains("snapshot", "job", "run", "date", "partition", "added", "removed");
        assertThat(lines.subList(1, lines.size())).as("newest first").hasSize(3)
                .satisfiesExactly(
                        line -> assertThat(line).contains(" " + latest + " ", " snapshot ", " day-1-rerun ", " 2024-01-01 ", " ds=2024-01-01 ", " +1 ", " -2"),
                        line -> assertThat(line).contains(" day-2 ", " 2024-01-02 ", " ds=2024-01-02 ", " +1 ", " -0"),
                        line -> assertThat(line).contains(" " + afterDay1 + " ", " day-1 ", " +2 ", " -0"));
        assertThat(Kindling.onTestSpark().run("history", "--table", table, "--date", "2024-01-02").out().lines().skip(1))
                .singleElement().asString().contains(" day-2 ");

        Result dryRun = Kindling.onTestSpark().run("rollback", "--table", table, "--before-run", "day-2", "--dry-run");
        assertThat(dryRun.exitCode()).as(dryRun.err()).isZero();
        assertThat(dryRun.out()).startsWith("kindling rollback: dry run: would restore commands.orders to snapshot " + afterDay1 + " (")
                .contains("; undoes 2 publishes: day-1-rerun (ds=2024-01-01), day-2 (ds=2024-01-02)");
        assertThat(current(table)).as("a dry run changes nothing").isEqualTo(latest);

        Result rollback = Kindling.onTestSpark().run("rollback", "--table", table, "--before-run", "day-2");
        assertThat(rollback.exitCode()).as(rollback.err()).isZero();
        assertThat(rollback.out()).startsWith("kindling rollback: restored commands.orders to snapshot " + afterDay1 + " (")
                .contains(", run day-1, date 2024-01-01); it was at snapshot " + latest);
        assertThat(rows(table)).containsExactly("[1,a,2024-01-01]", "[2,b,2024-01-01]");
        assertThat(Kindling.onTestSpark().run("history", "--table", table).out().lines().skip(1).findFirst().orElseThrow())
                .contains(" " + afterDay1 + " ", "(restored by a rollback)");

        Result forward = Kindling.onTestSpark().run("rollback", "--table", table, "--to-snapshot", String.valueOf(latest));
        assertThat(forward.exitCode()).as("a rollback is undone by naming the snapshot it left: " + forward.err()).isZero();
        assertThat(rows(table)).containsExactly("[1,a2,2024-01-01]", "[3,c,2024-01-02]");
        assertThat(snapshot(table, "2024-01-03", "day-3", "4,d\n").exitCode()).as("jobs publish on top of a restored snapshot").isZero();
    }

    @Test
    void aRollbackBeforeARunRestoresTheQuarantineTheRunPublishedWithThePartitionFirst() throws IOException {
        String table = "commands.rejecting";
        String quarantine = table + "_quarantine";
        assertThat(snapshot(table, "2023-12-31", "clean-0", "0,z\n").exitCode()).isZero();
        assertThat(snapshotAllowingRejects(table, "2024-01-01", "rejects-1", "1,a\nx,b\n").exitCode()).isZero();
        long quarantineAfter1 = current(quarantine);
        assertThat(snapshotAllowingRejects(table, "2024-01-02", "rejects-2", "2,c\ny,d\n").exitCode()).isZero();
        assertThat(records(quarantine)).containsExactly("x,b", "y,d");

        Result dryRun = Kindling.onTestSpark().run("rollback", "--table", table, "--before-run", "rejects-2", "--dry-run");
        assertThat(dryRun.out().lines()).as(dryRun.err()).satisfiesExactly(
                line -> assertThat(line).startsWith("kindling rollback: dry run: would restore " + quarantine + " to snapshot " + quarantineAfter1 + " ("),
                line -> assertThat(line).startsWith("kindling rollback: dry run: would restore " + table + " to snapshot "));
        assertThat(records(quarantine)).as("a dry run changes nothing").containsExactly("x,b", "y,d");

        Result rollback = Kindling.onTestSpark().run("rollback", "--table", table, "--before-run", "rejects-2");
        assertThat(rollback.exitCode()).as(rollback.err()).isZero();
        assertThat(rollback.out().lines()).satisfiesExactly(
                line -> assertThat(line).startsWith("kindling rollback: restored " + quarantine + " to snapshot " + quarantineAfter1 + " (")
                        .endsWith("; undoes 1 publish: rejects-2 (ds=2024-01-02)"),
                line -> assertThat(line).startsWith("kindling rollback: restored " + table + " to snapshot ").contains(", run rejects-1,"));
        assertThat(records(quarantine)).containsExactly("x,b");
        assertThat(rows(table)).containsExactly("[0,z,2023-12-31]", "[1,a,2024-01-01]");

        // the run that made the quarantine table's first snapshot: nothing earlier to restore there, and it says so
        Result first = Kindling.onTestSpark().run("rollback", "--table", table, "--before-run", "rejects-1");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out().lines()).satisfiesExactly(
                line -> assertThat(line).isEqualTo("kindling rollback: " + quarantine + " left as it is: run rejects-1 made its first snapshot kept;"
                        + " its rows are that run's (drop the table if they must go)"),
                line -> assertThat(line).startsWith("kindling rollback: restored " + table + " to snapshot ").contains(", run clean-0,"));
        assertThat(rows(table)).containsExactly("[0,z,2023-12-31]");
    }

    private Result snapshotAllowingRejects(String table, String date, String run, String csv) throws IOException {
        Path source = Files.writeString(dir.resolve(run + ".csv"), "id,name\n" + csv);
        return Kindling.onTestSpark().run("snapshot", "--source", source.toString(), "--format", "csv", "--schema", SCHEMA,
                "--target", table, "--logical-date", date, "--run-id", run, "--max-bad-ratio", "0.5");
    }

    private static List<String> records(String table) {
        return SPARK.sql("SELECT record FROM " + table + " ORDER BY ds").collectAsList().stream().map(row -> row.getString(0)).toList();
    }

    @Test
    void aTableWithoutADatabaseIsInTheDefaultDatabaseByEitherSpelling() throws IOException {
        assertThat(snapshot("Commands_Default", "2024-01-01", "default-1", "1,a\n").exitCode()).isZero();

        Result history = Kindling.onTestSpark().run("history", "--table", "COMMANDS_DEFAULT");
        assertThat(history.exitCode()).as(history.err()).isZero();
        assertThat(history.out().lines().skip(1)).singleElement().asString().contains(" default-1 ", " ds=2024-01-01 ");
        assertThat(Kindling.onTestSpark().run("history", "--table", "default.commands_default").out()).isEqualTo(history.out());
    }

    @Test
    void whatCannotBeRestoredIsBadUsageInOneLine() throws IOException {
        String table = "commands.refused";
        assertThat(snapshot(table, "2024-01-01", "only-run", "1,a\n").exitCode()).isZero();

        assertOneLine(Kindling.onTestSpark().run("rollback", "--table", table, "--to-snapshot", "42"),
                "kindling rollback: error: --to-snapshot 42 is not a snapshot of commands.refused (expired, or never one);"
                        + " 'kindling history --table commands.refused' lists those there are");
        assertOneLine(Kindling.onTestSpark().run("rollback", "--table", table, "--before-run", "no-such-run"),
                "kindling rollback: error: --before-run no-such-run: no publish of that run is in commands.refused's current history;"
                        + " 'kindling history --table commands.refused' lists the runs there are");
        assertOneLine(Kindling.onTestSpark().run("rollback", "--table", table, "--before-run", "only-run"),
                "kindling rollback: error: --before-run only-run: that run made commands.refused's first snapshot kept"
                        + " (there is no earlier one to restore); drop the table, or name a snapshot with --to-snapshot");
        assertOneLine(Kindling.onTestSpark().run("history", "--table", "commands.no_such_table"),
                "kindling history: error: table commands.no_such_table is not an Iceberg table in env local's catalog");
        Result both = Kindling.onTestSpark().run("rollback", "--table", table, "--to-snapshot", "1", "--before-run", "x");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.errLines()).singleElement().asString().contains("mutually exclusive");
    }

    private static void assertOneLine(Result result, String line) {
        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.errLines()).containsExactly(line);
    }
}
