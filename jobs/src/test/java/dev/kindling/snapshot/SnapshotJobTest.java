package dev.kindling.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import dev.kindling.testing.RunLog;
import dev.kindling.testing.TestSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot job end to end through the real entry point, on small generated data. */
class SnapshotJobTest {

    private static final AtomicInteger TABLES = new AtomicInteger();
    private static final String SCHEMA = "id INT, name STRING, amount INT";

    @TempDir
    Path dir;

    private final SparkSession spark = TestSpark.session();

    /** A CSV of orders 1..n (amount = 10 * id), plus the extra lines given. */
    private Path orders(String file, int n, String... extraLines) throws IOException {
        List<String> lines = new ArrayList<>(List.of("id,name,amount"));
        for (int i = 1; i <= n; i++) {
            lines.add(i + ",customer" + i + "," + (10 * i));
        }
        lines.addAll(List.of(extraLines));
        return Files.write(dir.resolve(file), lines);
    }

    private static String newTable() {
        return "snap.orders_" + TABLES.incrementAndGet();
    }

    private static Result snapshot(Path source, String table, String date, String... more) {
        List<String> args = new ArrayList<>(List.of("snapshot", "--source", source.toString(), "--format", "csv",
                "--schema", SCHEMA, "--target", table, "--logical-date", date, "--run-id", "test-" + date));
        args.addAll(List.of(more));
        return Kindling.onTestSpark().run(args.toArray(String[]::new));
    }

    private List<String> partition(String table, String date) {
        return spark.sql("SELECT id, name, amount FROM " + table + " WHERE ds = '" + date + "' ORDER BY id, name, amount")
                .collectAsList().stream().map(Row::toString).toList();
    }

    /** The rejected rows published with a partition: the same partition of the table's quarantine table. */
    private Dataset<Row> quarantineOf(String table, String date) {
        return spark.sql("SELECT record, reason FROM " + table + "_quarantine WHERE ds = '" + date + "'");
    }



    @Test
    void copiesEveryRowIntoTheLogicalDatesPartition() throws IOException {
        String table = newTable();
        Result result = snapshot(orders("orders.csv", 5), table, "2024-03-01");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(partition(table, "2024-03-01")).containsExactly(
                "[1,customer1,10]", "[2,customer2,20]", "[3,customer3,30]", "[4,customer4,40]", "[5,customer5,50]");
        assertThat(RunLog.ofTestSpark().summary("test-2024-03-01")).contains("rows_read=5", "rows_written=5", "rows_quarantined=0", "success=1");
    }

    @Test
    void malformedRecordsAreQuarantinedWithTheirReasonAndCounted() throws IOException {
        String table = newTable();
        Path source = orders("orders.csv", 18, "x19,customer19,190", "20,customer20,lots");
        Result result = snapshot(source, table, "2024-03-02", "--max-bad-ratio", "0.2");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(partition(table, "2024-03-02")).hasSize(18);
        String summary = RunLog.ofTestSpark().summary("test-2024-03-02");
        assertThat(summary).contains("rows_read=20", "rows_written=18", "rows_quarantined=2");
        List<Row> rejected = (quarantineOf(table, "2024-03-02"))
                .orderBy("record").collectAsList();
        assertThat(rejected).extracting(r -> r.getAs("record") + " | " + r.getAs("reason"))
                .containsExactly("20,customer20,lots | malformed record", "x19,customer19,190 | malformed record");
    }

    @Test
    void tooManyBadRowsFailsWithExitThreeAndPublishesNothing() throws IOException {
        String table = newTable();
        snapshot(orders("good.csv", 4), table, "2024-03-03");
        Result result = snapshot(orders("bad.csv", 4, "oops,no,number"), table, "2024-03-03");

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.errLines()).singleElement().asString()
                .contains("data quality check failed: 1 of 5 rows (20.00%) were rejected (malformed record: 1), above --max-bad-ratio 0.01; nothing was published");
        assertThat(partition(table, "2024-03-03")).hasSize(4);
        assertThat(RunLog.ofTestSpark().summary("test-2024-03-03")).contains("exit_code=3", "failed=1");
    }

    @Test
    void duplicatesAreCountedAndKeptDroppedOrFailedByPolicy() throws IOException {
        Path source = orders("orders.csv", 3, "2,customer2-again,25", "3,customer3,30");
        String keep = newTable();
        assertThat(snapshot(source, keep, "2024-03-04", "--key", "id").exitCode()).isZero();
        assertThat(partition(keep, "2024-03-04")).hasSize(5);
        assertThat(RunLog.ofTestSpark().summary("test-2024-03-04")).contains("duplicates=2", "duplicates_dropped=0", "rows_written=5");

        String drop = newTable();
        assertThat(snapshot(source, drop, "2024-03-05", "--key", "id", "--on-duplicate", "drop").exitCode()).isZero();
        assertThat(partition(drop, "2024-03-05")).containsExactly("[1,customer1,10]", "[2,customer2,20]", "[3,customer3,30]");
        assertThat(RunLog.ofTestSpark().summary("test-2024-03-05")).contains("rows_read=5", "duplicates=2", "duplicates_dropped=2", "rows_written=3");

        String fail = newTable();
        Result failed = snapshot(source, fail, "2024-03-06", "--key", "id", "--on-duplicate", "fail");
        assertThat(failed.exitCode()).isEqualTo(3);
        assertThat(failed.err()).contains("2 rows repeat the --key id of an earlier row");
        assertThat(spark.catalog().tableExists(fail) ? partition(fail, "2024-03-06") : List.of()).isEmpty();
    }

    @Test
    void rowsWithoutKeyAreQuarantined() throws IOException {
        String table = newTable();
        Result result = snapshot(orders("orders.csv", 9, ",nobody,0"), table, "2024-03-07", "--key", "id", "--max-bad-ratio", "0.5");
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(RunLog.ofTestSpark().summary("test-2024-03-07")).contains("rows_read=10", "rows_written=9", "rows_quarantined=1");
        Row rejected = (quarantineOf(table, "2024-03-07")).first();
        assertThat(rejected.<String>getAs("reason")).isEqualTo("missing key column id");
    }

    /**
     * Spark would push "key is not null" into a Parquet scan (which then skips a file whose key is null
     * in every row) and into a JDBC query; rows read must still count every row of the source.
     */
    @Test
    void rowsWithoutKeyAreReadAndQuarantinedFromParquetAndJdbcToo() throws IOException, SQLException {
        Path parquet = dir.resolve("keyed-parquet");
        spark.range(1, 7).selectExpr("cast(id as int) id", "concat('c', id) name", "cast(id as int) amount")
                .coalesce(1).write().parquet(parquet.toString());
        spark.range(1, 5).selectExpr("cast(null as int) id", "concat('lost', id) name", "cast(id as int) amount")
                .coalesce(1).write().mode("append").parquet(parquet.toString());
        String fromParquet = newTable();
        Result result = Kindling.onTestSpark().run("snapshot", "--source", parquet.toString(), "--format", "parquet",
                "--key", "id", "--max-bad-ratio", "0.5", "--target", fromParquet, "--logical-date", "2024-03-16", "--run-id", "keyed-parquet");
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(RunLog.ofTestSpark().summary("keyed-parquet")).contains("rows_read=10", "rows_written=6", "rows_quarantined=4");
        assertThat((quarantineOf(fromParquet, "2024-03-16"))
                .selectExpr("reason", "get_json_object(record, '$.name') AS name").orderBy("name").collectAsList())
                .extracting(Row::toString)
                .containsExactly("[missing key column id,lost1]", "[missing key column id,lost2]", "[missing key column id,lost3]", "[missing key column id,lost4]");

        String url = "jdbc:derby:memory:kindling_keyed;create=true";
        try (Connection db = DriverManager.getConnection(url); Statement sql = db.createStatement()) {
            sql.execute("CREATE TABLE keyed_orders (id INT, name VARCHAR(20), amount INT)");
            sql.execute("INSERT INTO keyed_orders VALUES (1, 'a', 10), (NULL, 'b', 20), (3, 'c', 30)");
        }
        String fromJdbc = newTable();
        Result jdbc = Kindling.onTestSpark().run("snapshot", "--source", "jdbc:derby:memory:kindling_keyed", "--format", "jdbc",
                "--jdbc-table", "keyed_orders", "--key", "ID", "--max-bad-ratio", "0.5", "--target", fromJdbc,
                "--logical-date", "2024-03-17", "--run-id", "keyed-jdbc");
        assertThat(jdbc.exitCode()).as(jdbc.err()).isZero();
        assertThat(RunLog.ofTestSpark().summary("keyed-jdbc")).contains("rows_read=3", "rows_written=2", "rows_quarantined=1");
    }

    @Test
    void rerunOfTheSameDateReplacesOnlyThatPartitionWithIdenticalContent() throws IOException {
        String table = newTable();
        Path source = orders("orders.csv", 6);
        assertThat(snapshot(source, table, "2024-03-08").exitCode()).isZero();
        assertThat(snapshot(orders("other.csv", 2), table, "2024-03-09").exitCode()).isZero();
        List<String> first = partition(table, "2024-03-08");

        assertThat(snapshot(source, table, "2024-03-08").exitCode()).isZero();

        assertThat(partition(table, "2024-03-08")).isEqualTo(first).hasSize(6);
        assertThat(partition(table, "2024-03-09")).hasSize(2);
        assertThat(spark.sql("SELECT count(*) FROM " + table).first().getLong(0)).isEqualTo(8);
        List<Row> publishes = spark.sql("SELECT summary['kindling.partition'], summary['added-records'], summary['deleted-records'] FROM "
                + table + ".snapshots ORDER BY committed_at").collectAsList();
        assertThat(publishes).extracting(Row::toString).as("one snapshot a publish, with what it replaced")
                .containsExactly("[ds=2024-03-08,6,null]", "[ds=2024-03-09,2,null]", "[ds=2024-03-08,6,6]");
    }

    @Test
    void aRunThatFailsHalfWayLeavesThePreviousContentIntact() throws IOException {
        String table = newTable();
        assertThat(snapshot(orders("orders.csv", 3), table, "2024-03-10").exitCode()).isZero();

        // A Parquet source whose second file is garbage: the write fails after the first tasks ran.
        Path parquet = dir.resolve("parquet");
        spark.range(0, 100).selectExpr("cast(id as int) id", "concat('c', id) name", "cast(id * 10 as int) amount")
                .repartition(1).write().parquet(parquet.toString());
        Files.writeString(parquet.resolve("part-99999-broken.parquet"), "this is not parquet");
        Result failed = Kindling.onTestSpark().run("snapshot", "--source", parquet.toString(), "--format", "parquet",
                "--target", table, "--logical-date", "2024-03-10", "--run-id", "broken");

        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.errLines()).singleElement().asString().startsWith("kindling snapshot: failed: ");
        assertThat(partition(table, "2024-03-10")).containsExactly("[1,customer1,10]", "[2,customer2,20]", "[3,customer3,30]");
        assertThat(RunLog.ofTestSpark().lines("broken")).anyMatch(line -> line.contains("discarded unpublished staging"));
    }

    @Test
    void parquetFilesOfDifferentColumnsAreExitTwoUnlessTheirColumnsAreMergedOnRequest() throws IOException {
        Path parquet = dir.resolve("mixed-parquet");
        spark.range(1, 4).selectExpr("cast(id as int) id", "cast(id * 10 as double) amount").coalesce(1).write().parquet(parquet.toString());
        spark.range(4, 6).selectExpr("cast(id as int) id", "cast(id * 10 as double) amount_eur").coalesce(1).write().mode("append").parquet(parquet.toString());
        String table = newTable();

        Result mixed = Kindling.onTestSpark().run("snapshot", "--source", parquet.toString(), "--format", "parquet",
                "--target", table, "--logical-date", "2024-03-17", "--run-id", "mixed-parquet");
        assertThat(mixed.exitCode()).isEqualTo(2);
        assertThat(mixed.errLines()).singleElement().asString()
                .startsWith("kindling snapshot: error: --source '" + parquet + "': the Parquet files have different columns: ")
                .contains(" has amount_eur only", " has amount only")
                .endsWith("; read them apart, or merge their columns with --schema-evolution add-columns");
        assertThat(spark.catalog().tableExists(table)).isFalse();

        Result merged = Kindling.onTestSpark().run("snapshot", "--source", parquet.toString(), "--format", "parquet", "--schema-evolution", "add-columns",
                "--target", table, "--logical-date", "2024-03-17", "--run-id", "merged-parquet");
        assertThat(merged.exitCode()).as(merged.err()).isZero();
        assertThat(spark.sql("SELECT id, amount, amount_eur FROM " + table + " ORDER BY id").collectAsList()).extracting(Row::toString)
                .containsExactly("[1,10.0,null]", "[2,20.0,null]", "[3,30.0,null]", "[4,null,40.0]", "[5,null,50.0]");
    }

    @Test
    void dryRunPrintsTargetAndPlanAndWritesNothing() throws IOException {
        String table = newTable();
        Result result = snapshot(orders("orders.csv", 3), table, "2024-03-11", "--dry-run");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("dry run: would read csv " + dir.resolve("orders.csv"), "dry run: would write table " + table + " partition (ds='2024-03-11') (new table)",
                "Physical Plan", "dry run: would publish");
        assertThat(spark.catalog().tableExists(table)).isFalse();
    }

    @Test
    void aTargetThatIsAHiveTableIsRefusedInOneLineAndKeepsItsRows() throws IOException {
        String table = newTable();
        spark.sql("CREATE TABLE " + table + " (id INT, name STRING, amount INT, ds STRING) USING parquet PARTITIONED BY (ds)");
        spark.sql("INSERT INTO " + table + " VALUES (1, 'kept', 10, '2024-03-13')");
        for (String dryRun : List.of("--dry-run", "--max-bad-ratio=0.5")) {
            Result result = snapshot(orders("orders.csv", 2), table, "2024-03-13", dryRun);
            assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
            assertThat(result.errLines()).singleElement().asString().isEqualTo("kindling snapshot: error: table " + table
                    + " exists and is not an Iceberg table; Kindling publishes Iceberg tables only: move it to Iceberg in place, its files where they are,"
                    + " with 'kindling maintain --table " + table + " --migrate' (docs/tables.md), or name a new table");
        }
        assertThat(partition(table, "2024-03-13")).containsExactly("[1,kept,10]");
    }

    @Test
    void rowsThatDoNotFitTheExistingTableAreRefused() throws IOException {
        String table = newTable();
        assertThat(snapshot(orders("orders.csv", 2), table, "2024-03-12").exitCode()).isZero();
        Path other = Files.writeString(dir.resolve("other.csv"), "id,label\n1,a\n");
        Result result = Kindling.onTestSpark().run("snapshot", "--source", other.toString(), "--format", "csv",
                "--target", table, "--logical-date", "2024-03-12");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString()
                .contains("the source's columns do not match table " + table + ": missing: name STRING, amount INT; added: label STRING");
        assertThat(partition(table, "2024-03-12")).hasSize(2);
    }

    @Test
    void readsJsonWithMalformedLines() throws IOException {
        String table = newTable();
        Path json = Files.writeString(dir.resolve("orders.json"),
                "{\"id\":1,\"name\":\"a\",\"amount\":10}\n{\"id\":2,\"name\":\"b\",\"amount\":20}\n{\"id\":3, broken\n");
        Result result = Kindling.onTestSpark().run("snapshot", "--source", json.toString(), "--format", "json",
                "--schema", SCHEMA, "--target", table, "--logical-date", "2024-03-13", "--run-id", "json", "--max-bad-ratio", "0.5");
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(partition(table, "2024-03-13")).containsExactly("[1,a,10]", "[2,b,20]");
        assertThat(RunLog.ofTestSpark().summary("json")).contains("rows_read=3", "rows_quarantined=1");
    }

    @Test
    void bindsJsonKeysToSchemaColumnsByNameAndNeverMakesAColumnOfNulls() throws IOException {
        String table = newTable();
        Path json = Files.writeString(dir.resolve("cased.json"), "{\"ID\":1,\"name\":\"a\",\"Amount\":5}\n{\"name\":\"b\",\"ID\":2,\"Amount\":7}\n");
        Result cased = snapshotJson(json, table, "2024-03-13");
        assertThat(cased.exitCode()).as(cased.err()).isZero();
        assertThat(partition(table, "2024-03-13")).containsExactly("[1,a,5]", "[2,b,7]");

        Path missing = Files.writeString(dir.resolve("missing.json"), "{\"id\":1,\"name\":\"a\",\"amount_eur\":5}\n");
        Result noAmount = snapshotJson(missing, table, "2024-03-14");
        assertThat(noAmount.exitCode()).isEqualTo(2);
        assertThat(noAmount.errLines()).singleElement().asString().endsWith("--source '" + missing + "': --schema column amount is a key of no record"
                + " (the first 1000 records of each file have: id, name, amount_eur); JSON keys are matched to columns by name, so it would be null in every row");
        assertThat(partition(table, "2024-03-14")).isEmpty();
    }

    @Test
    void aJsonKeyThatNoSchemaColumnBindsIsBadInputUnlessIgnored() throws IOException {
        String table = newTable();
        Path folder = Files.createDirectories(dir.resolve("extra"));
        Files.writeString(folder.resolve("a.json"), "{\"id\":1,\"name\":\"a\",\"amount\":5}\n");
        Path second = Files.writeString(folder.resolve("b.json"), "{\"id\":2,\"name\":\"b\",\"amount\":7,\"coupon\":\"X\",\"note\":{\"a\":1}}\n");
        Result strict = snapshotJson(folder, table, "2024-03-15");
        assertThat(strict.exitCode()).isEqualTo(2);
        assertThat(strict.errLines()).singleElement().asString().endsWith("--source '" + folder + "': the keys coupon, note of records in " + second
                + " are not in --schema, so their values would be dropped; add them to --schema, or --extra-keys ignore drops them");

        Result ignoring = snapshotJson(folder, table, "2024-03-15", "--extra-keys", "ignore");
        assertThat(ignoring.exitCode()).as(ignoring.err()).isZero();
        assertThat(partition(table, "2024-03-15")).containsExactly("[1,a,5]", "[2,b,7]");
    }

    @Test
    void aJsonColumnMatchedByTwoKeysOfDifferentCaseIsBadInput() throws IOException {
        Path json = Files.writeString(dir.resolve("twice.json"), "{\"id\":1,\"name\":\"a\",\"amount\":5}\n{\"id\":2,\"name\":\"b\",\"Amount\":7}\n");
        Result result = snapshotJson(json, newTable(), "2024-03-16", "--extra-keys", "ignore");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString().endsWith("--source '" + json + "': --schema column amount matches the keys amount and Amount,"
                + " which differ in case alone; rename one (a key binds to a column of its exact name, or of another case when only one key matches)");
    }

    private Result snapshotJson(Path json, String table, String date, String... more) {
        List<String> args = new ArrayList<>(List.of("snapshot", "--source", json.toString(), "--format", "json", "--schema", SCHEMA,
                "--target", table, "--logical-date", date));
        args.addAll(List.of(more));
        return Kindling.onTestSpark().run(args.toArray(String[]::new));
    }

    @Test
    void twoSpellingsOfATableAreOneTable() throws IOException {
        String table = newTable(); // snap.orders_<n>
        String shouted = table.toUpperCase(java.util.Locale.ROOT).replace("ORDERS", "Orders");
        Result first = snapshot(orders("orders.csv", 2, "x,bad,1"), shouted, "2024-04-20", "--max-bad-ratio", "0.5");
        assertThat(first.exitCode()).as(first.err()).isZero();
        Result second = snapshot(orders("more.csv", 1), table, "2024-04-21");
        assertThat(second.exitCode()).as(second.err()).isZero();

        assertThat(partition(table, "2024-04-20")).containsExactly("[1,customer1,10]", "[2,customer2,20]");
        assertThat(partition(table, "2024-04-21")).containsExactly("[1,customer1,10]");
        assertThat(quarantineOf(table, "2024-04-20").collectAsList()).extracting(row -> row.getString(0)).containsExactly("x,bad,1");
        // Iceberg's file-based catalog keeps a name as given: it holds the lower-case one only (a folder each table)
        String name = table.substring(table.indexOf('.') + 1);
        try (Stream<Path> tables = Files.list(TestSpark.workDir().resolve("warehouse").resolve("snap"))) {
            assertThat(tables.map(path -> path.getFileName().toString()).filter(folder -> folder.equalsIgnoreCase(name) || folder.equalsIgnoreCase(name + "_quarantine")))
                    .containsExactlyInAnyOrder(name, name + "_quarantine");
        }
        // and Kindling's history finds it by either spelling
        Result history = Kindling.onTestSpark().run("history", "--table", shouted);
        assertThat(history.exitCode()).as(history.err()).isZero();
        assertThat(history.out().lines().skip(1)).satisfiesExactly(
                line -> assertThat(line).contains(" test-2024-04-21 ", " ds=2024-04-21 "),
                line -> assertThat(line).contains(" test-2024-04-20 ", " ds=2024-04-20 "));
    }

    @Test
    void readsHiveTablesAndJdbcTables() throws IOException, SQLException {
        spark.sql("CREATE DATABASE IF NOT EXISTS src");
        spark.range(1, 4).selectExpr("cast(id as int) id", "concat('h', id) name", "cast(id as int) amount")
                .write().mode("overwrite").saveAsTable("src.orders");
        String fromHive = newTable();
        Result hive = Kindling.onTestSpark().run("snapshot", "--source", "src.orders", "--format", "hive",
                "--target", fromHive, "--logical-date", "2024-03-14");
        assertThat(hive.exitCode()).as(hive.err()).isZero();
        assertThat(partition(fromHive, "2024-03-14")).containsExactly("[1,h1,1]", "[2,h2,2]", "[3,h3,3]");

        String url = "jdbc:derby:memory:kindling_jdbc;create=true";
        try (Connection db = DriverManager.getConnection(url); Statement sql = db.createStatement()) {
            sql.execute("CREATE TABLE shop_orders (id INT, name VARCHAR(20), amount INT)");
            sql.execute("INSERT INTO shop_orders VALUES (7, 'j7', 70), (8, 'j8', 80)");
        }
        String fromJdbc = newTable();
        Result jdbc = Kindling.onTestSpark().env("KINDLING_JDBC_PASSWORD", "s3cret-pw")
                .run("snapshot", "--source", "jdbc:derby:memory:kindling_jdbc", "--format", "jdbc", "--jdbc-table", "shop_orders",
                        "--target", fromJdbc, "--logical-date", "2024-03-15", "--run-id", "jdbc");
        assertThat(jdbc.exitCode()).as(jdbc.err()).isZero();
        assertThat(spark.sql("SELECT * FROM " + fromJdbc).orderBy("ID").collectAsList()).extracting(Row::toString)
                .containsExactly("[7,j7,70,2024-03-15]", "[8,j8,80,2024-03-15]");
        assertThat(RunLog.ofTestSpark().lines("jdbc")).isNotEmpty().noneMatch(line -> line.contains("s3cret-pw"));
    }
}
