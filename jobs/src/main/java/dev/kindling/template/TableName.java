package dev.kindling.template;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The name of a table of Spark's session catalog (Hive's metastore, or the Iceberg catalog behind it):
 * {@code table} or {@code database.table}, checked and normalised once, where it is given (an option, a
 * setting), so that everything after holds one spelling of one table.
 *
 * <p>The rule is Hive's for unquoted names: each part letters, digits and '_', not starting with a
 * digit, at most {@value #MAX_LENGTH} characters (the longest database name Hive's metastore keeps).
 * Hive and Iceberg's catalogs are case-insensitive and keep names in lower case, so the name is
 * lower-cased: {@code SALES.Orders} and {@code sales.orders} are one table, and print as the latter.
 */
public final class TableName {

    /** The most characters of each part of a name. */
    public static final int MAX_LENGTH = 128;
    /** What a database or column name may be ({@link #isIdentifier}), for messages and help. */
    public static final String IDENTIFIER_RULE = "letters, digits and '_', not starting with a digit, at most " + MAX_LENGTH + " characters";
    /** What each part of a table's name may be, for messages and help. */
    public static final String RULE = IDENTIFIER_RULE + " each";
    /** The database Spark's session catalog looks in for a name without one (Kindling never changes it). */
    public static final String DEFAULT_DATABASE = "default";

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern SUFFIX = Pattern.compile("[A-Za-z0-9_]+");
    /** Values longer than this are shown cut in messages, with their length. */
    private static final int SHOWN_LENGTH = 60;

    private final String database; // null: the session's current database
    private final String name;

    private TableName(String database, String name) {
        this.database = database;
        this.name = name;
    }

    /**
     * {@code table} or {@code database.table}, lower-cased; anything else is bad input (exit 2) with one
     * line naming {@code option} (an option or setting, e.g. {@code --target}), the value and the rule.
     */
    public static TableName of(String option, String text) {
        return parse(text, false).orElseThrow(() -> new InvalidInputException(option + " " + refusal(text, false)));
    }

    /** As {@link #of}, for a place that needs the database: {@code database.table}. */
    public static TableName qualified(String option, String text) {
        return parse(text, true).orElseThrow(() -> new InvalidInputException(option + " " + refusal(text, true)));
    }

    /** Whether {@link #of} accepts the text. */
    public static boolean isValid(String text) {
        return parse(text, false).isPresent();
    }

    /** Whether {@link #qualified} accepts the text. */
    public static boolean isValidQualified(String text) {
        return parse(text, true).isPresent();
    }

    /**
     * Whether the text is one part of a name by the same rule: a database name, or a column name (Hive's
     * columns follow it too, and Kindling's jobs take no other).
     */
    public static boolean isIdentifier(String text) {
        return text != null && text.length() <= MAX_LENGTH && IDENTIFIER.matcher(text).matches();
    }

    private static Optional<TableName> parse(String text, boolean databaseRequired) {
        String[] parts = text == null ? new String[0] : text.split("\\.", -1);
        if (parts.length < (databaseRequired ? 2 : 1) || parts.length > 2 || !java.util.Arrays.stream(parts).allMatch(TableName::isIdentifier)) {
            return Optional.empty();
        }
        return Optional.of(parts.length == 1 ? new TableName(null, lower(parts[0])) : new TableName(lower(parts[0]), lower(parts[1])));
    }

    /** Why the text is refused, after the option's name: the value and what is allowed. */
    private static String refusal(String text, boolean databaseRequired) {
        String shown = "'" + shown(text) + "'";
        if (databaseRequired && isValid(text)) {
            return shown + " names no database: use database.table (" + RULE + ")";
        }
        return shown + " is not a table name: use " + (databaseRequired ? "database.table" : "table or database.table") + " (" + RULE + ")";
    }

    /** The value as a message shows it: on one line (control characters escaped), cut after 60 characters with its length. */
    private static String shown(String text) {
        if (text == null) {
            return "";
        }
        String cut = text.length() <= SHOWN_LENGTH ? text : text.substring(0, SHOWN_LENGTH);
        StringBuilder shown = new StringBuilder();
        cut.chars().forEach(c -> shown.append(Character.isISOControl(c) ? String.format(Locale.ROOT, "\\u%04x", c) : String.valueOf((char) c)));
        return text.length() <= SHOWN_LENGTH ? shown.toString() : shown + "... (" + text.length() + " characters)";
    }

    private static String lower(String part) {
        return part.toLowerCase(Locale.ROOT);
    }

    /** The database, lower case; empty when the name has none (Spark's session catalog then looks in {@value #DEFAULT_DATABASE}). */
    public Optional<String> database() {
        return Optional.ofNullable(database);
    }

    /** The database, or {@value #DEFAULT_DATABASE} where the name has none: where the session catalog finds the table. */
    public String databaseOrDefault() {
        return database == null ? DEFAULT_DATABASE : database;
    }

    /** The table's own name, without its database, lower case. */
    public String name() {
        return name;
    }

    /**
     * A companion table beside this one, in the same database: {@code db.t} with {@code _quarantine} is
     * {@code db.t_quarantine}. The suffix is letters, digits and '_'; the companion's name may pass
     * {@value #MAX_LENGTH} characters by the suffix's length (Hive's metastore keeps 256 of a table's name).
     */
    public TableName withSuffix(String suffix) {
        if (suffix == null || !SUFFIX.matcher(suffix).matches()) {
            throw new IllegalArgumentException("a table name's suffix is letters, digits and '_': '" + suffix + "'");
        }
        return new TableName(database, name + lower(suffix));
    }

    /** {@code database.table}, or {@code table} where it has no database; lower case. */
    @Override
    public String toString() {
        return database == null ? name : database + "." + name;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TableName that && Objects.equals(database, that.database) && name.equals(that.name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(database, name);
    }

    /**
     * For picocli: an option of type TableName, {@code table} or {@code database.table}. picocli names the
     * option before the message: {@code Invalid value for option '--target': 'a.b.c' is not a table name: ...}.
     */
    public static final class Converter implements ITypeConverter<TableName> {
        @Override
        public TableName convert(String value) {
            return parse(value, false).orElseThrow(() -> new TypeConversionException(refusal(value, false)));
        }
    }

    /** For picocli: an option of type TableName that needs the database, {@code database.table}. */
    public static final class QualifiedConverter implements ITypeConverter<TableName> {
        @Override
        public TableName convert(String value) {
            return parse(value, true).orElseThrow(() -> new TypeConversionException(refusal(value, true)));
        }
    }
}
