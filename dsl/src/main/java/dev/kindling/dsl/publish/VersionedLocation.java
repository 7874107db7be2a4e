package dev.kindling.dsl.publish;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A table, or one partition of a table, whose readers are pointed at one version folder at a time. A
 * writer puts a complete new version in a folder of its own, then {@link #publish} points readers at
 * it with one metastore update and hands back the location it replaced: the only version that writer
 * may delete. Versions of other runs, staged or just published, are never touched here.
 *
 * <p>The Hive metastore has no conditional update, so the swap is a compare-and-swap only where the
 * catalog makes it one (creating the table or partition fails if another run created it first);
 * replacing a location is checked by reading it back, and a publish that finds another run's version
 * there fails. Uses SQL only, so it also works from the DSL's shell and over Spark Connect.
 */
public final class VersionedLocation {

    /** The conditions of Spark's errors for a table, or a partition, that does not exist. */
    private static final Set<String> NOT_FOUND = Set.of("TABLE_OR_VIEW_NOT_FOUND", "PARTITIONS_NOT_FOUND");

    private final SparkSession spark;
    private final String table;
    private final String partitionSpec; // null for a whole table
    private final Step interleaved;
    private final Runnable otherRun;

    /** The points of {@link #publish} between its read of the current location and its read-back. */
    public enum Step {
        /** After the current location is read, before the swap. */
        BEFORE_SWAP,
        /** After the swap, before the location is read back. */
        AFTER_SWAP
    }

    private VersionedLocation(SparkSession spark, String table, String partitionSpec, Step interleaved, Runnable otherRun) {
        this.spark = Objects.requireNonNull(spark, "spark");
        this.table = Objects.requireNonNull(table, "table");
        this.partitionSpec = partitionSpec;
        this.interleaved = interleaved;
        this.otherRun = otherRun;
    }

    private VersionedLocation(SparkSession spark, String table, String partitionSpec) {
        this(spark, table, partitionSpec, null, null);
    }

    /**
     * This location, with {@code otherRun} run at {@code step} of its publish: how tests make another
     * run publish at exactly the moment a race would, without timing.
     */
    public VersionedLocation interleaving(Step step, Runnable otherRun) {
        return new VersionedLocation(spark, table, partitionSpec, Objects.requireNonNull(step, "step"), Objects.requireNonNull(otherRun, "otherRun"));
    }

    /** A whole table, published by pointing it at a folder of Parquet files (created as an external table). */
    public static VersionedLocation ofTable(SparkSession spark, String table) {
        return new VersionedLocation(spark, table, null);
    }

    /** One partition of an existing partitioned table. */
    public static VersionedLocation ofPartition(SparkSession spark, String table, String column, String value) {
        return new VersionedLocation(spark, table, "(" + column + "=" + sqlString(value) + ")");
    }

    /** One partition of an existing table partitioned by several columns: their values, in the table's order. */
    public static VersionedLocation ofPartition(SparkSession spark, String table, java.util.LinkedHashMap<String, String> partition) {
        java.util.StringJoiner spec = new java.util.StringJoiner(", ", "(", ")");
        partition.forEach((column, value) -> spec.add(column + "=" + sqlString(value)));
        return new VersionedLocation(spark, table, spec.toString());
    }

    /** Where readers are pointed now; empty while the table (or the partition) does not exist. */
    public Optional<String> current() {
        String describe = "DESCRIBE TABLE EXTENDED " + table + (partitionSpec == null ? "" : " PARTITION " + partitionSpec);
        List<Row> description;
        try {
            // one metastore lookup: a table or partition that does not exist is the command's own error
            description = spark.sql(describe).collectAsList();
        } catch (Exception e) { // Spark's AnalysisException is checked in Java, but thrown undeclared
            if (e instanceof AnalysisException analysis && NOT_FOUND.contains(analysis.getCondition())) {
                return Optional.empty();
            }
            throw e;
        }
        // read whole and filtered here: a Dataset filter on a command's result would run a Spark job
        return description.stream()
                .filter(row -> "Location".equals(row.getString(0)))
                .map(row -> row.getString(1))
                .findFirst();
    }

    /**
     * Drops this partition, so readers no longer see its rows, and returns the location it pointed at
     * (empty if it did not exist). Partitions only: a whole table is replaced, never dropped, here.
     */
    public Optional<String> dropPartition() {
        if (partitionSpec == null) {
            throw new IllegalStateException("dropPartition: " + table + " is a whole table, not a partition");
        }
        Optional<String> location = current();
        if (location.isPresent()) {
            spark.sql("ALTER TABLE " + table + " DROP IF EXISTS PARTITION " + partitionSpec);
        }
        return location;
    }

    /**
     * Points readers at {@code version} (a fully written folder) in one metastore update and returns
     * the location it replaced, empty if there was none. Throws {@link ConcurrentPublishException}, having
     * deleted nothing, when another run published this table or partition at the same time.
     */
    public Optional<String> publish(String version) {
        Optional<String> replaced = current().filter(location -> !sameLocation(location, version));
        String target = partitionSpec == null ? table : table + " partition " + partitionSpec;
        at(Step.BEFORE_SWAP);
        try {
            if (replaced.isPresent()) {
                spark.sql("ALTER TABLE " + table + (partitionSpec == null ? "" : " PARTITION " + partitionSpec) + " SET LOCATION " + sqlString(version));
            } else if (partitionSpec == null) {
                spark.sql("CREATE TABLE " + table + " USING parquet LOCATION " + sqlString(version));
            } else {
                spark.sql("ALTER TABLE " + table + " ADD PARTITION " + partitionSpec + " LOCATION " + sqlString(version));
            }
        } catch (Exception e) { // Spark's AnalysisException is checked in Java, but thrown undeclared
            if (replaced.isEmpty() && current().isPresent()) {
                throw new ConcurrentPublishException("another run created " + target + " while this run was publishing " + version
                        + "; nothing was deleted, and a rerun publishes again", e);
            }
            throw e;
        }
        at(Step.AFTER_SWAP);
        spark.catalog().refreshTable(table);
        String now = current().orElse("(none)");
        if (!sameLocation(now, version)) {
            throw new ConcurrentPublishException("another run published " + target + " while this run was publishing it: it points at "
                    + now + ", not at this run's " + version + "; nothing was deleted, and a rerun publishes again", null);
        }
        return replaced;
    }

    private void at(Step step) {
        if (step == interleaved) {
            otherRun.run();
        }
    }

    private static boolean sameLocation(String a, String b) {
        return strip(a).equals(strip(b));
    }

    // the metastore may store file:/x for file:///x, and drop a trailing slash
    private static String strip(String location) {
        return location.replaceFirst("^([a-z0-9]+):///", "$1:/").replaceFirst("/+$", "");
    }

    private static String sqlString(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** Another run published the same table or partition between this run's read and its swap. */
    public static final class ConcurrentPublishException extends IllegalStateException {
        ConcurrentPublishException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
