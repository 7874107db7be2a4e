package dev.kindling.dsl.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import dev.kindling.testing.TestSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Partitions replaced in one validated commit, as the mailing history is written from a shell and from a job. */
class IcebergSqlTest {

    private static final SparkSession SPARK = TestSpark.session();
    private static final String COLUMNS = "day DATE, name STRING";

    private static Dataset<Row> ids(long... ids) {
        return SPARK.createDataFrame(java.util.Arrays.stream(ids).mapToObj(id -> org.apache.spark.sql.RowFactory.create(id)).toList(),
                new org.apache.spark.sql.types.StructType().add("user_id", "bigint"));
    }

    private static List<String> rows(String table) {
        return SPARK.sql("SELECT * FROM " + table + " ORDER BY day, name, user_id").collectAsList().stream().map(Row::toString).toList();
    }

    private static long replace(String table, String day, String name, Dataset<Row> rows, String run) {
        return IcebergSql.replacePartition(SPARK, table, COLUMNS, List.of(day, name), rows, Map.of("kindling.run_id", run), run);
    }

    @Test
    void aPartitionIsReplacedWholeAndOthersAreKept() {
        String table = "iceberg_sql.replaced";
        assertThat(replace(table, "2024-01-01", "a", ids(1, 2, 3), "r1")).isEqualTo(3);
        assertThat(replace(table, "2024-01-01", "b", ids(4), "r2")).isEqualTo(1);
        assertThat(replace(table, "2024-01-01", "a", ids(5), "r3")).as("the rows the partition has now").isEqualTo(1);
        assertThat(replace(table, "2024-01-01", "b", ids(), "r4")).as("no rows: the partition empties").isZero();

        assertThat(rows(table)).containsExactly("[5,2024-01-01,a]");
        assertThat(SPARK.table(table).schema().simpleString()).isEqualTo("struct<user_id:bigint,day:date,name:string>");
    }

    @Test
    void ofTwoWritersOfOnePartitionTheSecondIsRefusedAndWritersOfOtherPartitionsAreNot() {
        String table = "iceberg_sql.contended";
        replace(table, "2024-01-01", "a", ids(1), "r0");
        // while r2 writes partition a, r1 publishes a and r3 publishes b
        assertThatThrownBy(() -> IcebergSql.replacePartition(SPARK, table, COLUMNS, List.of("2024-01-01", "a"), ids(2), Map.of("kindling.run_id", "r2"), "r2",
                () -> {
                    replace(table, "2024-01-01", "a", ids(11), "r1");
                    replace(table, "2024-01-01", "b", ids(12), "r3");
                }))
                .isInstanceOf(PublishConflictException.class)
                .hasMessageStartingWith("another run published iceberg_sql.contended partition day=2024-01-01/name=a while this run was writing it: run r1 (snapshot ")
                .hasMessageEndingWith("); nothing was published (a retry writes on top of it)");
        assertThat(rows(table)).containsExactly("[11,2024-01-01,a]", "[12,2024-01-01,b]");

        IcebergSql.replacePartition(SPARK, table, COLUMNS, List.of("2024-01-01", "a"), ids(2), Map.of(), "r2",
                () -> replace(table, "2024-01-01", "b", ids(13), "r4"));
        assertThat(rows(table)).as("another partition's publish is no conflict").containsExactly("[2,2024-01-01,a]", "[13,2024-01-01,b]");
    }

    @Test
    void daysBeforeAreDeletedInOneCommitAndStayReadableInEarlierSnapshots() {
        String table = "iceberg_sql.expiring";
        replace(table, "2024-01-01", "a", ids(1), "r1");
        replace(table, "2024-01-02", "a", ids(2), "r1");
        long before = SPARK.sql("SELECT snapshot_id FROM " + table + ".refs WHERE name = 'main'").first().getLong(0);
        IcebergSql.deleteBefore(SPARK, table, "day", LocalDate.parse("2024-01-02"));
        IcebergSql.deleteBefore(SPARK, "iceberg_sql.no_such_table", "day", LocalDate.parse("2024-01-02"));

        assertThat(rows(table)).containsExactly("[2,2024-01-02,a]");
        assertThat(SPARK.sql("SELECT count(*) FROM " + table + " VERSION AS OF " + before).first().getLong(0)).isEqualTo(2);
    }

    @Test
    void aTableOfAnotherKindIsRefusedSayingHowToMigrateIt() {
        SPARK.sql("CREATE DATABASE IF NOT EXISTS iceberg_sql");
        SPARK.sql("CREATE TABLE IF NOT EXISTS iceberg_sql.hive_list (user_id BIGINT) USING parquet");
        assertThatThrownBy(() -> StagedTable.begin(SPARK, "iceberg_sql.hive_list", ids().schema(), List.of(), "r1"))
                .isInstanceOf(IcebergSql.NotIcebergException.class)
                .hasMessage("table iceberg_sql.hive_list is a parquet table, and Kindling publishes only Iceberg tables; nothing was written."
                        + " Move it to Iceberg in place with 'kindling maintain --table iceberg_sql.hive_list --migrate' (docs/tables.md) or drop it, or write to another table");
    }
}
