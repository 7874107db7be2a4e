package dev.kindling.template;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;

/** What real and dry-run outputs check alike before writing a partition: names, and rows that fit the table. */
final class PartitionTables {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern PARTITION_VALUE = Pattern.compile("[A-Za-z0-9_.:+-]+");

    private PartitionTables() {
    }

    static void checkTableName(String table) {
        String[] parts = table.split("\\.", -1);
        if (parts.length > 2 || !Arrays.stream(parts).allMatch(p -> IDENTIFIER.matcher(p).matches())) {
            throw new InvalidInputException("table name '" + table + "' is not valid: use table or database.table with letters, digits and '_'");
        }
    }

    static void checkNames(String table, String partitionColumn, String partitionValue) {
        checkTableName(table);
        if (!IDENTIFIER.matcher(partitionColumn).matches()) {
            throw new InvalidInputException("partition column '" + partitionColumn + "' is not valid: use letters, digits and '_'");
        }
        if (!PARTITION_VALUE.matcher(partitionValue).matches()) {
            throw new InvalidInputException("partition value '" + partitionValue + "' is not valid: use letters, digits and . : + _ -");
        }
    }

    /** The rows in the table's column order; for a table that does not exist yet, the rows as they are. */
    static Dataset<Row> fitToTable(SparkSession spark, String table, String partitionColumn, Dataset<Row> rows) {
        if (Arrays.stream(rows.columns()).anyMatch(c -> c.equalsIgnoreCase(partitionColumn))) {
            throw new InvalidInputException("the rows already have a column '" + partitionColumn + "', which is the partition column of " + table);
        }
        if (!spark.catalog().tableExists(table)) {
            return rows;
        }
        List<StructField> columns = Arrays.stream(spark.table(table).schema().fields())
                .filter(field -> !field.name().equalsIgnoreCase(partitionColumn))
                .toList();
        Map<String, StructField> given = Arrays.stream(rows.schema().fields())
                .collect(Collectors.toMap(f -> f.name().toLowerCase(Locale.ROOT), Function.identity()));
        List<Column> select = new ArrayList<>();
        for (StructField field : columns) {
            StructField match = given.get(field.name().toLowerCase(Locale.ROOT));
            if (match != null && match.dataType().equals(field.dataType())) {
                select.add(rows.col(match.name()).as(field.name()));
            }
        }
        if (select.size() != columns.size() || select.size() != rows.columns().length) {
            String expected = columns.stream().map(f -> f.name() + " " + f.dataType().sql()).collect(Collectors.joining(", "));
            throw new InvalidInputException("the rows do not fit table " + table + ": it has columns (" + expected
                    + ") but the rows have (" + rows.schema().toDDL().replace(",", ", ") + ")");
        }
        return rows.select(select.toArray(Column[]::new));
    }

    static String partitionSpec(String column, String value) {
        return "(" + column + "=" + sqlString(value) + ")";
    }

    static String sqlString(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
