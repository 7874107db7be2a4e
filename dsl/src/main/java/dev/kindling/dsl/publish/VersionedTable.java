package dev.kindling.dsl.publish;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.time.Duration;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * A whole table replaced by versions: each version is a managed table {@code <db>.<name>__v<millis>}
 * (so dropping it deletes its files, with SQL alone), and {@code <db>.<name>} is an external table
 * pointed at the published version's folder by {@link VersionedLocation}. Publishing drops only the
 * version it replaced, and versions nobody published for {@link #ABANDONED_AFTER} (left by killed
 * runs). The caller writes the rows, so a job can count its write.
 */
public final class VersionedTable {

    /** Longer than any run stays between staging and publishing, so a live run's version is never dropped. */
    public static final Duration ABANDONED_AFTER = Duration.ofDays(7);
    private static final String VERSION = "__v";
    private static final String BEFORE = "kindling_in_published";
    private static final String AFTER = "kindling_in_version";

    private final SparkSession spark;
    private final String database;
    private final String name;

    /** {@code table} is database.name, both identifiers; names with "__" are not allowed (versions use it). */
    public VersionedTable(SparkSession spark, String table) {
        this.spark = Objects.requireNonNull(spark, "spark");
        String[] parts = table.toLowerCase(Locale.ROOT).split("\\.", -1);
        if (parts.length != 2 || !parts[0].matches("[a-z_][a-z0-9_]*") || !parts[1].matches("[a-z][a-z0-9_]*") || parts[1].contains("__")) {
            throw new IllegalArgumentException("table '" + table + "' is not database.name with letters, digits and single '_'");
        }
        this.database = parts[0];
        this.name = parts[1];
    }

    public String table() {
        return database + "." + name;
    }

    /** A new, empty version with the given columns, for the caller to insert the rows into. */
    public Version stage(StructType schema) {
        spark.sql("CREATE DATABASE IF NOT EXISTS " + database);
        String version = table() + VERSION + System.currentTimeMillis();
        String columns = Arrays.stream(schema.fields()).map(f -> "`" + f.name() + "` " + f.dataType().sql()).collect(Collectors.joining(", "));
        spark.sql("CREATE TABLE " + version + " (" + columns + ") USING parquet");
        return new Version(version, location(version));
    }

    /**
     * Stages a version and fills it: {@code fill} writes the rows into it and returns what the caller
     * wants to know about them (a count, a difference). If filling fails, the version is dropped and the
     * failure rethrown, so nothing but a complete version is ever published.
     */
    public <T> Filled<T> stage(StructType schema, Function<Version, T> fill) {
        Version version = stage(schema);
        try {
            return new Filled<>(version, fill.apply(version));
        } catch (RuntimeException e) {
            discard(version);
            throw e;
        }
    }

    /** Writes a CSV copy of the version (header line first, one file) into {@link Version#csvFolder()}. */
    public void writeCsvCopy(Version version) {
        spark.table(version.table()).coalesce(1).write().option("header", "true").csv(version.csvFolder());
    }

    /** Points the table at the version, then drops the version it replaced and abandoned ones. */
    public void publish(Version version) {
        dropVersionAt(VersionedLocation.ofTable(spark, table()).publish(version.location()));
        long now = System.currentTimeMillis();
        // only this table's versions: a database of mailing lists also holds every list's versions
        for (Row row : spark.sql("SHOW TABLES IN " + database + " LIKE '" + name + VERSION + "*'").collectAsList()) {
            String other = row.getString(row.fieldIndex("tableName"));
            Matcher millis = Pattern.compile(Pattern.quote(name + VERSION) + "(\\d+)").matcher(other);
            boolean abandoned = millis.matches() && now - Long.parseLong(millis.group(1)) > ABANDONED_AFTER.toMillis();
            if (abandoned && !(database + "." + other).equals(version.table())) {
                spark.sql("DROP TABLE IF EXISTS " + database + "." + other);
            }
        }
    }

    /**
     * Points one partition of the table (a partitioned table whose partitions may live in any folder) at
     * the version, then drops only the version that partition pointed at before. Unlike {@link #publish},
     * it drops no old versions by age: every partition keeps its own version for as long as it exists,
     * so age says nothing here. A version left by a killed run stays until someone drops it.
     */
    public void publishPartition(Version version, LinkedHashMap<String, String> partition) {
        dropVersionAt(VersionedLocation.ofPartition(spark, table(), partition).publish(version.location()));
    }

    /**
     * Drops the partitions whose {@code dateColumn} (a DATE partition column) is before {@code keepFrom},
     * each with the version it points at, and returns how many. The partition goes first, so readers
     * never see one that points at a dropped version. A table that does not exist has nothing to drop.
     */
    public int dropPartitionsBefore(String dateColumn, LocalDate keepFrom) {
        if (!spark.catalog().tableExists(table())) {
            return 0;
        }
        int dropped = 0;
        for (Row row : spark.sql("SHOW PARTITIONS " + table()).collectAsList()) {
            LinkedHashMap<String, String> partition = partitionValues(row.getString(0));
            String day = partition.get(dateColumn);
            if (day == null) {
                throw new IllegalArgumentException("dropPartitionsBefore: " + table() + " is not partitioned by " + dateColumn + " (a partition: " + row.getString(0) + ")");
            }
            if (LocalDate.parse(day).isBefore(keepFrom)) {
                dropVersionAt(VersionedLocation.ofPartition(spark, table(), partition).dropPartition());
                dropped++;
            }
        }
        return dropped;
    }

    /** A partition as SHOW PARTITIONS writes it, {@code a=1/b=x%2Fy}, as its columns' values (unescaped, in order). */
    public static LinkedHashMap<String, String> partitionValues(String path) {
        LinkedHashMap<String, String> values = new LinkedHashMap<>();
        for (String part : path.split("/")) {
            int equals = part.indexOf('=');
            values.put(unescape(part.substring(0, equals)), unescape(part.substring(equals + 1)));
        }
        return values;
    }

    // the metastore writes characters that a path cannot hold as %XX
    private static String unescape(String text) {
        Matcher escaped = Pattern.compile("%([0-9A-Fa-f]{2})").matcher(text);
        StringBuilder plain = new StringBuilder();
        while (escaped.find()) {
            escaped.appendReplacement(plain, Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(escaped.group(1), 16))));
        }
        return escaped.appendTail(plain).toString();
    }

    /**
     * How a staged version differs from the published table by the values of column {@code key}, in one
     * Spark query over the two tables (counts only, nothing collected). Call it before {@link #publish}:
     * afterwards the replaced version is gone. {@code versionRows} is the staged version's row count, all
     * added when nothing is published yet.
     */
    public Difference difference(Version version, String key, long versionRows) {
        if (VersionedLocation.ofTable(spark, table()).current().isEmpty()) {
            return Difference.first(versionRows);
        }
        spark.catalog().refreshTable(table()); // another session may have published since this one read it
        Dataset<Row> before = spark.table(table()).select(col(key)).distinct().withColumn(BEFORE, lit(true));
        Dataset<Row> after = spark.table(version.table()).select(col(key)).distinct().withColumn(AFTER, lit(true));
        Row counts = before.join(after, key, "full_outer")
                .agg(count(when(col(BEFORE).isNull(), lit(1))), count(when(col(AFTER).isNull(), lit(1))))
                .first();
        return new Difference(Difference.Kind.SINCE_PREVIOUS, counts.getLong(0), counts.getLong(1));
    }

    /** Drops a version that will not be published. */
    public void discard(Version version) {
        spark.sql("DROP TABLE IF EXISTS " + version.table());
    }

    /** A staged, filled version and what its filling returned. */
    public record Filled<T>(Version version, T value) {
    }

    /** A version: its managed table and that table's folder. */
    public record Version(String table, String location) {
        /** Where a CSV copy of the version goes: inside its folder, where Spark's readers do not look. */
        public String csvFolder() {
            return location + "/_csv";
        }
    }

    /** Drops the version table whose folder a location is, if it is one of this table's versions (never a folder it did not write). */
    private void dropVersionAt(Optional<String> location) {
        location.map(VersionedTable::leaf).filter(this::isVersionName).ifPresent(version -> spark.sql("DROP TABLE IF EXISTS " + database + "." + version));
    }

    private boolean isVersionName(String leaf) {
        return leaf.matches(Pattern.quote(name + VERSION) + "\\d+");
    }

    private static String leaf(String location) {
        String trimmed = location.replaceFirst("/+$", "");
        return trimmed.substring(trimmed.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
    }

    private String location(String table) {
        return spark.sql("DESCRIBE TABLE EXTENDED " + table).collectAsList().stream()
                .filter(row -> "Location".equals(row.getString(0)))
                .map(row -> row.getString(1))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("table " + table + " has no location"));
    }
}
