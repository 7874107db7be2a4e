package dev.kindling.template;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * How the columns of rows differ from a table's, matched by name (case-insensitively, as Hive does):
 * columns the table lacks, columns the rows lack, and columns of another type. A rename is one
 * missing and one added column.
 */
record SchemaDiff(List<StructField> missing, List<StructField> added, List<String> changed) {

    static SchemaDiff between(StructType table, StructType rows) {
        Map<String, StructField> tableColumns = byName(table);
        Map<String, StructField> rowColumns = byName(rows);
        List<StructField> missing = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (StructField column : table.fields()) {
            StructField given = rowColumns.get(lower(column.name()));
            if (given == null) {
                missing.add(column);
            } else if (!given.dataType().equals(column.dataType())) {
                changed.add(column.name() + " " + column.dataType().sql() + " -> " + given.dataType().sql());
            }
        }
        List<StructField> added = Arrays.stream(rows.fields()).filter(f -> !tableColumns.containsKey(lower(f.name()))).toList();
        return new SchemaDiff(List.copyOf(missing), List.copyOf(added), List.copyOf(changed));
    }

    boolean none() {
        return missing.isEmpty() && added.isEmpty() && changed.isEmpty();
    }

    /** Only new columns: what {@code --schema-evolution add-columns} may add to the table. */
    boolean onlyAdded() {
        return missing.isEmpty() && changed.isEmpty() && !added.isEmpty();
    }

    /** One line: "missing: name STRING; added: title STRING; changed: amount INT -> DOUBLE". */
    String describe() {
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) {
            parts.add("missing: " + columns(missing));
        }
        if (!added.isEmpty()) {
            parts.add("added: " + columns(added));
        }
        if (!changed.isEmpty()) {
            parts.add("changed: " + String.join(", ", changed));
        }
        return String.join("; ", parts);
    }

    static String columns(List<StructField> fields) {
        return fields.stream().map(f -> f.name() + " " + f.dataType().sql()).collect(Collectors.joining(", "));
    }

    private static Map<String, StructField> byName(StructType schema) {
        return Arrays.stream(schema.fields()).collect(Collectors.toMap(f -> lower(f.name()), Function.identity(), (a, b) -> a));
    }

    private static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
