package dev.kindling.template;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The partition a run writes: a value for each of its table's partition columns (STRING columns), in
 * the table's order, e.g. {@code Partition.of("ds", "2024-01-15").and("table_name", "sales.orders")}.
 * A publish replaces exactly the rows of this partition; runs of other partitions never conflict.
 * Each name and value is checked where it is given.
 */
public final class Partition {

    private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9_.:+-]+");

    private final Map<String, String> values;

    private Partition(Map<String, String> values) {
        this.values = values;
    }

    public static Partition of(String column, String value) {
        return new Partition(new LinkedHashMap<>()).and(column, value);
    }

    /** This partition, one column deeper. */
    public Partition and(String column, String value) {
        if (!TableName.isIdentifier(column)) {
            throw new InvalidInputException("partition column '" + column + "' is not valid: use a column name (" + TableName.IDENTIFIER_RULE + ")");
        }
        if (value == null || !VALUE.matcher(value).matches()) {
            throw new InvalidInputException("partition value '" + value + "' of " + column + " is not valid: use letters, digits and . : + _ -");
        }
        if (values.keySet().stream().anyMatch(column::equalsIgnoreCase)) {
            throw new InvalidInputException("partition column '" + column + "' is given twice");
        }
        Map<String, String> more = new LinkedHashMap<>(values);
        more.put(column, value);
        return new Partition(more);
    }

    /** Column to value, in the table's order. */
    public Map<String, String> values() {
        return java.util.Collections.unmodifiableMap(values);
    }

    public boolean hasColumn(String name) {
        return values.keySet().stream().anyMatch(name::equalsIgnoreCase);
    }

    /** {@code ds=2024-01-15}, {@code ds=2024-01-15/table_name=sales.orders}: as logs, messages and snapshot summaries name it. */
    @Override
    public String toString() {
        return values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("/"));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Partition p && p.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }
}
