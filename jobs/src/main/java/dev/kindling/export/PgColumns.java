package dev.kindling.export;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.kindling.template.InvalidInputException;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Spark's column types as PostgreSQL's. Each PostgreSQL type is named as PostgreSQL's
 * {@code format_type} names it, so that an existing table's columns compare as text.
 */
final class PgColumns {

    private PgColumns() {
    }

    /** A column of the export: its name and PostgreSQL type, and the Spark type it comes from. */
    record Column(String name, String pgType, DataType sparkType) {
    }

    /** Every column of rows in order; a type PostgreSQL cannot hold here is exit 2 naming the column and type. */
    static List<Column> of(StructType rows) {
        List<Column> columns = new ArrayList<>();
        List<String> unmappable = new ArrayList<>();
        for (StructField field : rows.fields()) {
            String pgType = pgType(field.dataType());
            if (pgType == null) {
                unmappable.add(field.name() + " " + field.dataType().sql());
            } else {
                columns.add(new Column(field.name(), pgType, field.dataType()));
            }
        }
        if (!unmappable.isEmpty()) {
            throw new InvalidInputException("the source has columns of types the export cannot write to PostgreSQL: " + String.join(", ", unmappable)
                    + " (allowed: numbers, decimals, strings, booleans, dates, timestamps, binary); nothing was written");
        }
        return List.copyOf(columns);
    }

    /** Spark's atomic types and PostgreSQL's for each (decimals take their precision and scale). */
    private static final Map<DataType, String> ATOMIC = Map.ofEntries(
            Map.entry(DataTypes.ByteType, "smallint"),
            Map.entry(DataTypes.ShortType, "smallint"),
            Map.entry(DataTypes.IntegerType, "integer"),
            Map.entry(DataTypes.LongType, "bigint"),
            Map.entry(DataTypes.FloatType, "real"),
            Map.entry(DataTypes.DoubleType, "double precision"),
            Map.entry(DataTypes.StringType, "text"),
            Map.entry(DataTypes.BooleanType, "boolean"),
            Map.entry(DataTypes.DateType, "date"),
            Map.entry(DataTypes.TimestampType, "timestamp with time zone"),
            Map.entry(DataTypes.TimestampNTZType, "timestamp without time zone"),
            Map.entry(DataTypes.BinaryType, "bytea"));

    /** PostgreSQL's type for a Spark type, or null when there is none here (arrays, maps, structs, intervals...). */
    static String pgType(DataType type) {
        if (type instanceof DecimalType decimal) {
            return "numeric(" + decimal.precision() + "," + decimal.scale() + ")";
        }
        if (type instanceof StringType) {
            return "text"; // also a string with a collation
        }
        return ATOMIC.get(type);
    }

    /**
     * How an existing table's columns (name to type, in its order) differ from the export's, in one line
     * ("missing: amount numeric(10,2); not in the source: note text; changed: id integer -> bigint"), or
     * empty when they are the same.
     */
    static String difference(Map<String, String> table, List<Column> export) {
        Map<String, String> wanted = new LinkedHashMap<>();
        export.forEach(column -> wanted.put(column.name(), column.pgType()));
        List<String> missing = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        wanted.forEach((name, type) -> {
            String has = table.get(name);
            if (has == null) {
                missing.add(name + " " + type);
            } else if (!has.equals(type)) {
                changed.add(name + " " + has + " -> " + type);
            }
        });
        List<String> extra = table.entrySet().stream().filter(e -> !wanted.containsKey(e.getKey()))
                .map(e -> e.getKey() + " " + e.getValue()).toList();
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) {
            parts.add("missing: " + String.join(", ", missing));
        }
        if (!extra.isEmpty()) {
            parts.add("not in the source: " + String.join(", ", extra));
        }
        if (!changed.isEmpty()) {
            parts.add("changed: " + String.join(", ", changed));
        }
        return String.join("; ", parts);
    }
}
