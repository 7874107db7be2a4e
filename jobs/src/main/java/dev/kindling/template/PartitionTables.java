package dev.kindling.template;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.kindling.dsl.publish.IcebergSql;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** What real and dry-run outputs check alike before writing a partition: names, and rows that fit the table. */
final class PartitionTables {

    private PartitionTables() {
    }

    /**
     * A table a job gives its outputs, checked and lower-cased ({@link TableName}): Iceberg's file-based
     * catalog keeps a name as given, so Kindling gives every table its lower-case name.
     */
    static TableName outputTable(String table) {
        return TableName.of("output table", table);
    }

    /** Rows ready to write into a table, the columns the table must gain at publish, and whether the table existed. */
    record Fit(Dataset<Row> rows, List<StructField> newColumns, boolean tableExists) {
    }

    /**
     * The rows in the table's column order, matched by name; for a table that does not exist yet, the
     * rows as they are. Columns that differ are bad input with a one-line diff, unless {@code evolution}
     * lets new columns be added (they follow the table's).
     */
    static Fit fitToTable(SparkSession spark, String table, Partition partition, Dataset<Row> given, SchemaEvolution evolution) {
        Dataset<Row> rows = asIcebergStores(given);
        for (String column : rows.columns()) {
            if (partition.hasColumn(column)) {
                throw new InvalidInputException("the rows already have a column '" + column + "', which is a partition column of " + table);
            }
        }
        IcebergTables.Kind kind = IcebergTables.kind(spark, table);
        if (kind == IcebergTables.Kind.MISSING) {
            return new Fit(rows, List.of(), false);
        }
        if (kind == IcebergTables.Kind.OTHER) {
            throw notIceberg(table);
        }
        StructType columns = new StructType(Arrays.stream(spark.table(table).schema().fields())
                .filter(field -> !partition.hasColumn(field.name()))
                .toArray(StructField[]::new));
        SchemaDiff diff = SchemaDiff.between(columns, rows.schema());
        boolean adding = evolution == SchemaEvolution.ADD_COLUMNS && diff.onlyAdded();
        if (!diff.none() && !adding) {
            throw new InvalidInputException("the source's columns do not match table " + table + ": " + diff.describe()
                    + (diff.onlyAdded() ? " (--schema-evolution add-columns adds them)" : ""));
        }
        List<Column> select = new ArrayList<>();
        for (StructField field : columns.fields()) {
            select.add(rows.col("`" + field.name() + "`").as(field.name()));
        }
        List<StructField> added = adding ? diff.added() : List.of();
        added.forEach(field -> select.add(rows.col("`" + field.name() + "`")));
        return new Fit(rows.select(select.toArray(Column[]::new)), added, true);
    }

    /** Kindling publishes Iceberg tables only; a table of another kind (a Hive table of an earlier Kindling, say) is never written. */
    static InvalidInputException notIceberg(String table) {
        return new InvalidInputException("table " + table + " exists and is not an Iceberg table; Kindling publishes Iceberg tables only:"
                + " move it to Iceberg in place, its files where they are, with 'kindling maintain --table " + table + " --migrate' (docs/tables.md),"
                + " or name a new table");
    }

    /**
     * Iceberg has no 1- or 2-byte integers: it stores Spark's TINYINT and SMALLINT as INT. The rows are
     * widened before they are compared with the table, so that a rerun of the same source matches it.
     */
    static Dataset<Row> asIcebergStores(Dataset<Row> rows) {
        boolean narrow = Arrays.stream(rows.schema().fields())
                .anyMatch(f -> f.dataType() instanceof org.apache.spark.sql.types.ByteType || f.dataType() instanceof org.apache.spark.sql.types.ShortType);
        if (!narrow) {
            return rows;
        }
        return rows.select(Arrays.stream(rows.schema().fields()).map(f -> {
            Column column = rows.col("`" + f.name() + "`");
            boolean small = f.dataType() instanceof org.apache.spark.sql.types.ByteType || f.dataType() instanceof org.apache.spark.sql.types.ShortType;
            return small ? column.cast(org.apache.spark.sql.types.DataTypes.IntegerType).as(f.name()) : column;
        }).toArray(Column[]::new));
    }

    /** As SQL's PARTITION clause writes it: {@code (ds='2024-01-15')}. */
    static String partitionSpec(Partition partition) {
        return partition.values().entrySet().stream().map(e -> e.getKey() + "=" + IcebergSql.sqlString(e.getValue()))
                .collect(java.util.stream.Collectors.joining(", ", "(", ")"));
    }
}
