package dev.kindling.template;

import java.util.Locale;

/** What a write may change in an existing table's columns. */
public enum SchemaEvolution {
    /** Nothing: rows whose columns differ from the table's are bad input (exit 2). */
    NONE,
    /** New columns of the rows are added to the table (nullable; earlier partitions read them as null). */
    ADD_COLUMNS;

    /** For picocli: "none" or "add-columns". */
    public static final class Converter implements picocli.CommandLine.ITypeConverter<SchemaEvolution> {
        @Override
        public SchemaEvolution convert(String value) {
            for (SchemaEvolution policy : values()) {
                if (policy.toString().equalsIgnoreCase(value)) {
                    return policy;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a schema evolution policy: use none or add-columns");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
