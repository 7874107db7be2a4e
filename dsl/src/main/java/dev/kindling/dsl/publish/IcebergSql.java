package dev.kindling.dsl.publish;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriterV2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Kindling's Iceberg tables through SQL and the unified Dataset API alone, so that a shell on Spark
 * Connect writes them exactly as a job does: Iceberg's SQL extensions (branches, procedures) and its
 * metadata tables ({@code db.t.refs}, {@code db.t.snapshots}) stand in for its Java API. Tables live in
 * Spark's session catalog, {@code spark_catalog}, whose Iceberg catalog the deployment configures.
 */
public final class IcebergSql {

    /** Table properties of every table Kindling creates: format version 2, and which run created it. */
    public static final String CREATED_BY_RUN = "kindling.created_by_run";
    /** A summary key naming one write, so that its commit can be found among the table's snapshots. */
    static final String WRITE_ID = "kindling.write_id";
    /** The summary key that names the partition a commit replaced ({@code ds=2024-01-15}), so a conflict can name who published it. */
    public static final String PARTITION = "kindling.partition";
    private static final String TABLE_NAME = "[a-z_][a-z0-9_]*\\.[a-z][a-z0-9_]*";

    private IcebergSql() {
    }

    /** {@code db.name}, lower case; anything else is not a table Kindling writes. */
    static String tableName(String table) {
        String lower = table == null ? "" : table.toLowerCase(Locale.ROOT);
        if (!lower.matches(TABLE_NAME)) {
            throw new IllegalArgumentException("table '" + table + "' is not database.name with letters, digits and '_'");
        }
        return lower;
    }

    /**
     * Creates an Iceberg table with these columns (DDL) and partition columns, unless it exists; true if
     * this call created it. An existing table that is not an Iceberg table is refused: Kindling publishes
     * only through Iceberg's commits.
     */
    static boolean createIfMissing(SparkSession spark, String table, String columns, List<String> partitionColumns, String runToken) {
        return createIfMissing(spark, table, columns, partitionColumns, runToken, Map.of());
    }

    /** As above, with more table properties (the jobs' partitions turn on write-audit-publish). */
    public static boolean createIfMissing(SparkSession spark, String table, String columns, List<String> partitionColumns, String runToken,
                                          Map<String, String> properties) {
        if (spark.catalog().tableExists(table)) {
            requireIceberg(spark, table);
            return false;
        }
        int dot = table.indexOf('.');
        if (dot > 0) {
            spark.sql("CREATE DATABASE IF NOT EXISTS " + table.substring(0, dot));
        }
        StringBuilder more = new StringBuilder();
        properties.forEach((key, value) -> more.append(", ").append(sqlString(key)).append('=').append(sqlString(value)));
        // one write a partition or a table: no shuffle before it, each task writes its own files
        spark.sql("CREATE TABLE IF NOT EXISTS " + table + " (" + columns + ") USING iceberg"
                + (partitionColumns.isEmpty() ? "" : " PARTITIONED BY (" + String.join(", ", partitionColumns) + ")")
                + " TBLPROPERTIES ('format-version'='2', 'write.distribution-mode'='none', '" + CREATED_BY_RUN + "'=" + sqlString(runToken) + more + ")");
        requireIceberg(spark, table);
        return runToken.equals(property(spark, table, CREATED_BY_RUN));
    }

    /** Whether an existing table is an Iceberg table (its DESCRIBE names the provider). */
    public static boolean isIceberg(SparkSession spark, String table) {
        return "iceberg".equalsIgnoreCase(described(spark, table, "Provider"));
    }

    private static void requireIceberg(SparkSession spark, String table) {
        String provider = described(spark, table, "Provider");
        if (!"iceberg".equalsIgnoreCase(provider)) {
            throw new NotIcebergException(table, provider);
        }
    }

    /** A table Kindling would write is another kind of table (a Hive table written by an older Kindling, say). */
    public static final class NotIcebergException extends IllegalStateException {
        NotIcebergException(String table, String provider) {
            super("table " + table + " is a " + (provider == null ? "non-Iceberg" : provider) + " table, and Kindling publishes only Iceberg tables;"
                    + " nothing was written. Move it to Iceberg in place with 'kindling maintain --table " + table + " --migrate' (docs/tables.md)"
                    + " or drop it, or write to another table");
        }
    }

    /**
     * Columns as a CREATE TABLE lists them, all nullable (a NOT NULL column would refuse rows from a
     * source that cannot promise it), small integer types as INT, which is what Iceberg stores them as.
     */
    public static String columns(StructType schema) {
        return Arrays.stream(schema.fields()).map(f -> "`" + f.name() + "` " + icebergType(f.dataType()).sql()).collect(Collectors.joining(", "));
    }

    private static org.apache.spark.sql.types.DataType icebergType(org.apache.spark.sql.types.DataType type) {
        return type instanceof org.apache.spark.sql.types.ByteType || type instanceof org.apache.spark.sql.types.ShortType
                ? org.apache.spark.sql.types.DataTypes.IntegerType : type;
    }

    /** The snapshot a branch of the table stands at (main: the published one); null when it has none. */
    public static Long branchSnapshot(SparkSession spark, String table, String branch) {
        List<Row> refs = spark.sql("SELECT snapshot_id FROM " + inCatalog(table) + ".refs WHERE name = " + sqlString(branch)).collectAsList();
        return refs.isEmpty() ? null : refs.get(0).getLong(0);
    }

    /** One snapshot's summary. */
    public static Map<String, String> summary(SparkSession spark, String table, long snapshot) {
        List<Row> rows = spark.sql("SELECT summary FROM " + inCatalog(table) + ".snapshots WHERE snapshot_id = " + snapshot).collectAsList();
        return rows.isEmpty() ? Map.of() : rows.get(0).getJavaMap(0);
    }

    /** The rows of a snapshot of the table, from its summary (no scan). */
    public static long totalRecords(SparkSession spark, String table, long snapshot) {
        return count(summary(spark, table, snapshot), "total-records");
    }

    /** A count from a summary: Iceberg leaves a count out when it is 0 but always writes the totals; without them it is unknown. */
    static long count(Map<String, String> summary, String key) {
        String value = summary.get(key);
        if (value == null && summary.containsKey("total-records")) {
            return 0;
        }
        if (value == null) {
            throw new IllegalStateException("a snapshot summary without '" + key + "': its row count is unknown");
        }
        return Long.parseLong(value);
    }

    /** Who published a snapshot, as a conflict names it: "run R (snapshot S)". */
    static String publisher(SparkSession spark, String table, Long snapshot) {
        if (snapshot == null) {
            return "";
        }
        return "run " + summary(spark, table, snapshot).getOrDefault("kindling.run_id", "(not Kindling's)") + " (snapshot " + snapshot + ")";
    }

    /** The newest snapshot that published this partition, by its summary; null if none did. */
    static Long lastPublishOf(SparkSession spark, String table, String partition) {
        List<Row> rows = spark.sql("SELECT snapshot_id FROM " + inCatalog(table) + ".snapshots WHERE summary['" + PARTITION + "'] = " + sqlString(partition)
                + " ORDER BY committed_at DESC LIMIT 1").collectAsList();
        return rows.isEmpty() ? null : rows.get(0).getLong(0);
    }

    /** A field of DESCRIBE TABLE EXTENDED (Location, Provider, Type), or null if the table shows none. */
    public static String described(SparkSession spark, String table, String field) {
        return spark.sql("DESCRIBE TABLE EXTENDED " + table).collectAsList().stream()
                .filter(row -> field.equals(row.getString(0)))
                .map(row -> row.getString(1))
                .findFirst().orElse(null);
    }

    private static String property(SparkSession spark, String table, String key) {
        List<Row> rows = spark.sql("SHOW TBLPROPERTIES " + table + " (" + sqlString(key) + ")").collectAsList();
        return rows.isEmpty() ? null : rows.get(0).getString(1);
    }

    /**
     * The table as SQL names it, with its catalog: Kindling's tables live in the session catalog. (Given
     * db.t, Iceberg's SQL would first look for a catalog named db, and log a warning with a stack trace.)
     */
    public static String inCatalog(String table) {
        return "spark_catalog." + table;
    }

    /** A SQL string literal of the value, quotes and backslashes escaped. */
    public static String sqlString(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** A commit's summary: the run's, and a write's own facts (which must not rename the run's keys). */
    public static Map<String, String> withFacts(Map<String, String> summary, Map<String, String> facts) {
        Map<String, String> merged = new java.util.TreeMap<>(summary);
        facts.forEach((key, value) -> {
            if (!key.startsWith("kindling.") || merged.containsKey(key)) {
                throw new IllegalArgumentException("a write's fact " + key + " must be a kindling.* key the run's summary does not have");
            }
            merged.put(key, value);
        });
        return merged;
    }

    static <T> DataFrameWriterV2<T> withSummary(DataFrameWriterV2<T> writer, Map<String, String> summary) {
        DataFrameWriterV2<T> with = writer;
        for (Map.Entry<String, String> entry : summary.entrySet()) {
            with = with.option("snapshot-property." + entry.getKey(), entry.getValue());
        }
        return with;
    }

    /** A name for a branch or write of this run: letters, digits and '_' only, unique. */
    static String uniqueName(String runToken) {
        return ("kindling_" + runToken + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }

    /**
     * Replaces one partition of a partitioned table with rows in one Iceberg commit: readers see its old
     * rows or the new, never a mix. A table that is missing is created with the rows' columns followed by
     * {@code partitionColumns} (DDL, e.g. {@code "day DATE, name STRING"}); {@code values} are the
     * partition's, in that order. The commit is validated against every commit since the write began:
     * if another writer replaced the same partition meanwhile, nothing is published and a
     * {@link PublishConflictException} says who did; writers of other partitions never conflict.
     * Returns the rows the partition has now, from the commit's summary.
     */
    public static long replacePartition(SparkSession spark, String target, String partitionColumns, List<String> values, Dataset<Row> rows,
                                        Map<String, String> summary, String runToken) {
        return replacePartition(spark, target, partitionColumns, values, rows, summary, runToken, () -> { });
    }

    /** As above; {@code afterBegin} runs between reading the snapshot the write is validated from and the write (a seam for tests). */
    static long replacePartition(SparkSession spark, String target, String partitionColumns, List<String> values, Dataset<Row> rows,
                                 Map<String, String> summary, String runToken, Runnable afterBegin) {
        String table = tableName(target);
        StructType partition = StructType.fromDDL(partitionColumns);
        if (partition.fields().length != values.size()) {
            throw new IllegalArgumentException("partition " + partitionColumns + " of " + table + " needs " + partition.fields().length + " values, not " + values);
        }
        List<String> names = Arrays.stream(partition.fields()).map(StructField::name).toList();
        createIfMissing(spark, table, columns(rows.schema()) + ", " + partitionColumns, names, runToken);
        Long basedOn = branchSnapshot(spark, table, "main");
        afterBegin.run();
        Dataset<Row> partitioned = rows;
        Column only = lit(true);
        for (int i = 0; i < values.size(); i++) {
            StructField field = partition.fields()[i];
            Column value = lit(values.get(i)).cast(field.dataType());
            partitioned = partitioned.withColumn(field.name(), value);
            only = only.and(col(field.name()).equalTo(value));
        }
        String writeId = uniqueName(runToken);
        String spec = partitionText(names, values);
        Map<String, String> tagged = new java.util.LinkedHashMap<>(summary);
        tagged.put(PARTITION, spec);
        tagged.put(WRITE_ID, writeId);
        DataFrameWriterV2<Row> writer = withSummary(partitioned.writeTo(inCatalog(table)), tagged).option("isolation-level", "serializable");
        if (basedOn != null) {
            writer = writer.option("validate-from-snapshot-id", String.valueOf(basedOn));
        }
        try {
            writer.overwrite(only);
        } catch (Exception e) { // Spark's NoSuchTableException is checked in Java; Iceberg's ValidationException arrives as is, or as text over Spark Connect
            if (String.valueOf(e.getMessage()).contains("Found conflicting files")) {
                throw new PublishConflictException(table + " partition " + spec, publisher(spark, table, lastPublishOf(spark, table, spec)), e);
            }
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e);
        }
        List<Row> committed = spark.sql("SELECT summary FROM " + inCatalog(table) + ".snapshots WHERE summary['" + WRITE_ID + "'] = " + sqlString(writeId)).collectAsList();
        if (committed.isEmpty()) {
            throw new IllegalStateException("the write " + writeId + " to " + table + " left no snapshot: how many rows it wrote is unknown");
        }
        return count(committed.get(0).getJavaMap(0), "added-records");
    }

    /** {@code prepared_on=2017-01-01/mailing=spring}: a partition as logs and messages name it. */
    static String partitionText(List<String> names, List<String> values) {
        return java.util.stream.IntStream.range(0, names.size()).mapToObj(i -> names.get(i) + "=" + values.get(i)).collect(Collectors.joining("/"));
    }

    /**
     * Deletes the rows whose {@code dateColumn} (a DATE partition column) is before {@code keepFrom}, in one
     * commit that drops whole partitions' files from the table (earlier snapshots keep them until they
     * expire). A table that does not exist has nothing to delete.
     */
    public static void deleteBefore(SparkSession spark, String target, String dateColumn, LocalDate keepFrom) {
        String table = tableName(target);
        if (!spark.catalog().tableExists(table)) {
            return;
        }
        spark.sql("DELETE FROM " + inCatalog(table) + " WHERE " + dateColumn + " < DATE '" + keepFrom + "'");
    }
}
