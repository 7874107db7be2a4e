package dev.kindling.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.kindling.template.InvalidInputException;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The export's pure logic: type mapping, names, SQL and the COPY encoding, without Spark or PostgreSQL. */
class ExportSqlTest {

    @Test
    void everySupportedSparkTypeHasItsPostgresType() {
        StructType schema = StructType.fromDDL("a TINYINT, b SMALLINT, c INT, d BIGINT, e FLOAT, f DOUBLE, g DECIMAL(12,3), h STRING,"
                + " i BOOLEAN, j DATE, k TIMESTAMP, l TIMESTAMP_NTZ, m BINARY");
        assertThat(PgColumns.of(schema)).extracting(PgColumns.Column::pgType).containsExactly("smallint", "smallint", "integer", "bigint",
                "real", "double precision", "numeric(12,3)", "text", "boolean", "date", "timestamp with time zone",
                "timestamp without time zone", "bytea");
    }

    @Test
    void unmappableTypesAreExitTwoNamingEachColumnAndType() {
        StructType schema = StructType.fromDDL("id INT, tags ARRAY<STRING>, attrs MAP<STRING,INT>, address STRUCT<city: STRING>");
        assertThatThrownBy(() -> PgColumns.of(schema)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("the source has columns of types the export cannot write to PostgreSQL: tags ARRAY<STRING>, attrs MAP<STRING, INT>, address STRUCT<city: STRING>");
        assertThat(PgColumns.pgType(DataTypes.CalendarIntervalType)).isNull();
    }

    @Test
    void aColumnDifferenceIsOneLine() {
        List<PgColumns.Column> export = PgColumns.of(StructType.fromDDL("id INT, name STRING, amount DECIMAL(10,2)"));
        Map<String, String> table = new LinkedHashMap<>();
        table.put("id", "bigint");
        table.put("amount", "numeric(10,2)");
        table.put("note", "text");
        assertThat(PgColumns.difference(table, export)).isEqualTo("missing: name text; not in the source: note text; changed: id bigint -> integer");
        table.put("id", "integer");
        table.remove("note");
        table.put("name", "text");
        assertThat(PgColumns.difference(table, export)).isEmpty();
    }

    @Test
    void targetNamesAreValidatedWhereGiven() {
        assertThat(PgSql.Table.parse("--target-table", "orders")).isEqualTo(new PgSql.Table("public", "orders"));
        assertThat(PgSql.Table.parse("--target-table", "sales.orders_2")).isEqualTo(new PgSql.Table("sales", "orders_2"));
        for (String bad : List.of("", "Orders", "a.b.c", "1orders", "orders;drop table x", "sales.", "x".repeat(64), "a b")) {
            assertThatThrownBy(() -> PgSql.Table.parse("--target-table", bad)).as(bad).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("--target-table '").hasMessageContaining("is not a PostgreSQL table name: use table or schema.table");
        }
    }

    @Test
    void statementsQuoteEveryNameAndBindTheDate() {
        PgSql.Table target = PgSql.Table.parse("--target-table", "sales.orders");
        PgSql.Table staging = new PgSql.Table("sales", "stage");
        List<PgColumns.Column> columns = PgColumns.of(StructType.fromDDL("id INT, `na\"me` STRING, ds STRING"));
        assertThat(PgSql.createTarget(target, columns, List.of("id")))
                .isEqualTo("CREATE TABLE \"sales\".\"orders\" (\"id\" integer, \"na\"\"me\" text, \"ds\" text, PRIMARY KEY (\"id\"))");
        assertThat(PgSql.deleteDate(target, columns.get(2))).isEqualTo("DELETE FROM \"sales\".\"orders\" WHERE \"ds\" = CAST(? AS text)");
        assertThat(PgSql.upsertFromStaging(target, staging, columns, List.of("id"))).isEqualTo(
                "INSERT INTO \"sales\".\"orders\" (\"id\", \"na\"\"me\", \"ds\") SELECT \"id\", \"na\"\"me\", \"ds\" FROM \"sales\".\"stage\""
                        + " ON CONFLICT (\"id\") DO UPDATE SET \"na\"\"me\" = EXCLUDED.\"na\"\"me\", \"ds\" = EXCLUDED.\"ds\"");
        assertThat(PgSql.copyIntoStaging(staging, columns)).isEqualTo(
                "COPY \"sales\".\"stage\" (\"_kindling_spark_partition\", \"id\", \"na\"\"me\", \"ds\") FROM STDIN (FORMAT csv, ENCODING 'UTF8')");
    }

    @Test
    void aStagingTableThatBecomesTheDatesPartitionIsLoggedAndCheckedToHoldOnlyThatDate() {
        PgSql.Table target = PgSql.Table.parse("--target-table", "sales.orders");
        PgSql.Table staging = new PgSql.Table("sales", "stage");
        List<PgColumns.Column> columns = PgColumns.of(StructType.fromDDL("id INT, ds DATE"));
        assertThat(PgSql.createStaging(staging, columns, false, null, "2024-01-15"))
                .isEqualTo("CREATE UNLOGGED TABLE \"sales\".\"stage\" (\"_kindling_spark_partition\" integer NOT NULL, \"id\" integer, \"ds\" date)");
        assertThat(PgSql.createStaging(staging, columns, true, columns.get(1), "2024-01-15")).isEqualTo(
                "CREATE TABLE \"sales\".\"stage\" (\"_kindling_spark_partition\" integer NOT NULL, \"id\" integer, \"ds\" date,"
                        + " CONSTRAINT \"kindling_logical_date\" CHECK (\"ds\" IS NOT NULL AND \"ds\" = CAST('2024-01-15' AS date)))");
        assertThat(PgSql.createPartitionedTarget(target, columns, columns.get(1)))
                .isEqualTo("CREATE TABLE \"sales\".\"orders\" (\"id\" integer, \"ds\" date) PARTITION BY LIST (\"ds\")");
        assertThat(PgSql.attachPartition(target, target.partition("2024-01-15"), columns.get(1), "2024-01-15")).isEqualTo(
                "ALTER TABLE \"sales\".\"orders\" ATTACH PARTITION \"sales\".\"orders_20240115\" FOR VALUES IN (CAST('2024-01-15' AS date))");
        assertThat(PgSql.partitionBound("2024-01-15")).isEqualTo("FOR VALUES IN ('2024-01-15')");
        assertThatThrownBy(() -> PgSql.partitionBound("2024-01-15') OR (true")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDatesPartitionNameFitsPostgresNamesAndTellsLongTargetsApart() {
        assertThat(PgSql.Table.parse("--target-table", "orders").partition("2024-01-15")).isEqualTo(new PgSql.Table("public", "orders_20240115"));
        PgSql.Table longest = PgSql.Table.parse("--target-table", "x".repeat(63));
        PgSql.Table almost = PgSql.Table.parse("--target-table", "x".repeat(62));
        assertThat(longest.partition("2024-01-15").name()).hasSize(PgSql.MAX_NAME).endsWith("_20240115")
                .isNotEqualTo(almost.partition("2024-01-15").name());
        assertThat(PgSql.Table.parse("--target-table", "x".repeat(54)).partition("2024-01-15").name()).isEqualTo("x".repeat(54) + "_20240115");
    }

    @Test
    void stagingTablesOfOneTargetShareAPrefixThatFitsPostgresNames() {
        PgSql.Table target = PgSql.Table.parse("--target-table", "x".repeat(63));
        PgSql.Table staging = target.staging(1_700_000_000_000L, "abcdef12");
        assertThat(staging.name()).startsWith(target.stagingPrefix()).hasSizeLessThanOrEqualTo(PgSql.MAX_NAME);
        assertThat(target.stagingPrefix()).isNotEqualTo(PgSql.Table.parse("--target-table", "other").stagingPrefix());
    }

    @Test
    void copyRecordsKeepNullsEmptyTextQuotesUnicodeAndExactValues() {
        StringBuilder out = new StringBuilder();
        CopyFormat.appendRecord(out, 3, new Object[] {null, "", "a \"b\",\nż🎉", new BigDecimal("1E+3"), new byte[] {0, (byte) 255},
                Instant.parse("2024-01-15T23:59:59.123456Z"), LocalDateTime.parse("2024-01-15T23:59:59.123456"), LocalDate.parse("2024-02-29"),
                true, 1.0E10});
        assertThat(out.toString()).isEqualTo("3,,\"\",\"a \"\"b\"\",\nż🎉\",\"1000\",\"\\x00ff\",\"2024-01-15T23:59:59.123456Z\","
                + "\"2024-01-15T23:59:59.123456\",\"2024-02-29\",\"true\",\"1.0E10\"\n");
    }
}
