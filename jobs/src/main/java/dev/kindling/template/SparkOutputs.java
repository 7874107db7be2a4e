package dev.kindling.template;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.kindling.dsl.publish.Difference;
import dev.kindling.dsl.publish.VersionedLocation;
import dev.kindling.dsl.publish.VersionedTable;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Outputs on Spark's catalog and Hadoop file systems. A partition version is written to
 * {@code <table location>/_kindling_versions/<column>=<value>/<run>-<millis>}, with the rows it
 * rejected in its {@code _quarantine} folder (Spark, Hive and Trino skip names starting with '_'),
 * and published by pointing the partition at it ({@link VersionedLocation}). A publish deletes only
 * the version it replaced, so runs of the same partition never delete each other's files.
 */
final class SparkOutputs implements RunOutputs {

    static final String VERSIONS = "_kindling_versions";
    static final String QUARANTINE = "_quarantine";
    /**
     * A version that is not published this long after it was staged was left by a killed run, and the
     * next publish of its partition deletes it. No run spends a week between staging and publishing
     * (Airflow's task timeouts are hours), so this never touches a live run's version.
     */
    static final Duration ABANDONED_AFTER = Duration.ofDays(7);
    /** How long to wait for Spark to report a finished write's counts and observations. */
    private static final Duration SPARK_REPORT_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern STAGED_AT = Pattern.compile("-(\\d{13})$");

    private final SparkSession spark;
    private final JobMetrics metrics;
    private final Logger log;
    private final String runToken;
    private final List<Staging> unpublished = new ArrayList<>();
    private final WriteCounts counts;
    private UnaryOperator<VersionedLocation> partitionLocations = UnaryOperator.identity();

    SparkOutputs(SparkSession spark, JobMetrics metrics, Logger log, String runId) {
        this.spark = spark;
        this.metrics = metrics;
        this.log = log;
        this.runToken = runId.replaceAll("[^A-Za-z0-9._-]", "_");
        this.counts = new WriteCounts(spark);
    }

    /** For tests of concurrent runs: {@code otherRun} runs at {@code step} of each partition publish of this run. */
    void interleavePublish(VersionedLocation.Step step, Runnable otherRun) {
        partitionLocations = location -> location.interleaving(step, otherRun);
    }

    /** A version folder this run wrote, and the first of its parent folders that the write created. */
    private record Staging(Path version, Path firstCreated) {
    }

    @Override
    public StagedPartition stagePartition(String table, String partitionColumn, String partitionValue, Dataset<Row> rows, SchemaEvolution evolution) {
        PartitionTables.checkNames(table, partitionColumn, partitionValue);
        PartitionTables.Fit fit = PartitionTables.fitToTable(spark, table, partitionColumn, rows, evolution);
        Dataset<Row> ordered = fit.rows();
        Path tableLocation = tableLocation(table, fit.tableExists());
        Path version = new Path(tableLocation, VERSIONS + "/" + partitionColumn + "=" + partitionValue + "/" + runToken + "-" + System.currentTimeMillis());
        Staging staging = new Staging(version, firstMissing(version));
        unpublished.add(staging);
        log.info("writing {} partition {} to staging {}", table, PartitionTables.partitionSpec(partitionColumn, partitionValue), version);
        WriteCounts.Count count = counts.countWrite(version,
                () -> ordered.write().mode(SaveMode.ErrorIfExists).parquet(version.toString()), SPARK_REPORT_TIMEOUT);
        metrics.collectObservations(SPARK_REPORT_TIMEOUT);
        return new SparkStagedPartition(table, partitionColumn, partitionValue, ordered.schema(), fit.newColumns(), tableLocation, staging, count);
    }

    private final class SparkStagedPartition implements StagedPartition {
        private final String table;
        private final String partitionColumn;
        private final String partitionValue;
        private final StructType schema;
        private final List<StructField> newColumns;
        private final Path tableLocation;
        private final Staging staging;
        private final WriteCounts.Count count;
        private boolean published;
        private boolean quarantined;

        SparkStagedPartition(String table, String partitionColumn, String partitionValue, StructType schema, List<StructField> newColumns,
                             Path tableLocation, Staging staging, WriteCounts.Count count) {
            this.table = table;
            this.partitionColumn = partitionColumn;
            this.partitionValue = partitionValue;
            this.schema = schema;
            this.newColumns = List.copyOf(newColumns);
            this.tableLocation = tableLocation;
            this.staging = staging;
            this.count = count;
        }

        @Override
        public long rowsRead() {
            return count.rowsRead();
        }

        @Override
        public long rowsWritten() {
            return count.rowsWritten();
        }

        @Override
        public Dataset<Row> rows() {
            return spark.read().schema(schema).parquet(staging.version().toString());
        }

        @Override
        public Quarantine quarantine(Dataset<Row> rejects) {
            if (published || quarantined) {
                throw new IllegalStateException("the quarantine of " + staging.version() + " is written once, before its publish");
            }
            quarantined = true;
            Path path = new Path(staging.version(), QUARANTINE);
            WriteCounts.Count written = counts.countWrite(path, () -> rejects.write().mode(SaveMode.ErrorIfExists).json(path.toString()), SPARK_REPORT_TIMEOUT);
            metrics.collectObservations(SPARK_REPORT_TIMEOUT);
            log.info("wrote {} rejected rows of {} partition {}={} to {}", written.rowsWritten(), table, partitionColumn, partitionValue, path);
            return new Quarantine(path.toString(), written.rowsWritten());
        }

        @Override
        public void publish() {
            if (published) {
                throw new IllegalStateException(staging.version() + " is already published");
            }
            published = true;
            Path version = staging.version();
            if (!newColumns.isEmpty()) { // --schema-evolution add-columns: the table gains them as this version is published
                spark.sql("ALTER TABLE " + table + " ADD COLUMNS (" + SchemaDiff.columns(newColumns) + ")");
                log.info("added columns {} to {}", SchemaDiff.columns(newColumns), table);
            }
            createTableIfMissing(table, partitionColumn, schema, tableLocation);
            // From here the version may be what readers see: whatever happens, this run no longer deletes it.
            unpublished.remove(staging);
            Optional<String> replaced = partitionLocations.apply(VersionedLocation.ofPartition(spark, table, partitionColumn, partitionValue))
                    .publish(version.toString());
            log.info("published {} partition {} from {}", table, PartitionTables.partitionSpec(partitionColumn, partitionValue), version);
            replaced.ifPresent(location -> deleteReplaced(new Path(location), new Path(tableLocation, VERSIONS)));
            deleteAbandoned(version);
        }
    }

    @Override
    public Replaced replaceWithCsv(String table, Dataset<Row> rows, String key) {
        VersionedTable versions = new VersionedTable(spark, table);
        VersionedTable.Filled<Written> filled = versions.stage(rows.schema(), version -> {
            log.info("writing {} to its new version {}", table, version.table());
            WriteCounts.Count count = counts.countWrite(new Path(version.location()), () -> rows.write().insertInto(version.table()), SPARK_REPORT_TIMEOUT);
            versions.writeCsvCopy(version);
            metrics.collectObservations(SPARK_REPORT_TIMEOUT);
            return new Written(count, versions.difference(version, key, count.rowsWritten()));
        });
        VersionedTable.Version version = filled.version();
        WriteCounts.Count count = filled.value().count();
        versions.publish(version);
        log.info("published {} from {}: {} rows", table, version.table(), count.rowsWritten());
        record(count);
        return new Replaced(count.rowsWritten(), version.csvFolder(), filled.value().difference());
    }

    /** What writing a version of a whole table counted, and how it differs from the published one. */
    private record Written(WriteCounts.Count count, Difference difference) {
    }

    @Override
    public void overwriteTable(String table, Dataset<Row> rows, String... partitionColumns) {
        PartitionTables.checkTableName(table);
        int dot = table.indexOf('.');
        if (dot > 0) {
            spark.sql("CREATE DATABASE IF NOT EXISTS " + table.substring(0, dot));
        }
        // created empty with the rows' schema, then filled by an insert: the insert is a write whose rows Spark counts
        spark.sql("DROP TABLE IF EXISTS " + table);
        rows.limit(0).write().format("parquet").partitionBy(partitionColumns).saveAsTable(table);
        Dataset<Row> inTableOrder = rows.select(java.util.Arrays.stream(spark.table(table).columns()).map(rows::col).toArray(org.apache.spark.sql.Column[]::new));
        WriteCounts.Count count = counts.countWrite(tableLocation(table, true),
                () -> inTableOrder.write().mode(SaveMode.Overwrite).insertInto(table), SPARK_REPORT_TIMEOUT);
        log.info("replaced table {}: {} rows", table, count.rowsWritten());
        record(count);
    }

    /** A whole-table write's counts go into the run's rows read and written, as every job reports them. */
    private void record(WriteCounts.Count count) {
        metrics.add("rows_read", count.rowsRead());
        metrics.add("rows_written", count.rowsWritten());
    }

    /** The version this publish replaced, if it is a Kindling version of this table (never a folder it did not write). */
    private void deleteReplaced(Path replaced, Path versions) {
        try {
            FileSystem fs = replaced.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.makeQualified(replaced).toString().startsWith(fs.makeQualified(versions) + "/")) {
                log.warn("left the replaced location {} in place: it is not under {}", replaced, versions);
                return;
            }
            fs.delete(replaced, true);
            log.info("deleted the replaced version {}", replaced);
        } catch (IOException e) {
            log.warn("could not delete the replaced version {}: {}", replaced, e.toString());
        }
    }

    /**
     * Versions of this partition that were staged more than {@link #ABANDONED_AFTER} ago and are not
     * what readers see (the version just published: the publish read it back): left by killed runs, or
     * replaced by a publish that raced with another.
     */
    private void deleteAbandoned(Path published) {
        long now = System.currentTimeMillis();
        try {
            FileSystem fs = published.getFileSystem(spark.sparkContext().hadoopConfiguration());
            for (FileStatus other : fs.listStatus(published.getParent())) {
                boolean abandoned = now - stagedAt(other) > ABANDONED_AFTER.toMillis();
                String name = other.getPath().getName();
                if (abandoned && !name.equals(published.getName())) {
                    fs.delete(other.getPath(), true);
                    log.info("deleted the abandoned version {}", other.getPath());
                }
            }
        } catch (IOException e) {
            log.warn("could not look for abandoned versions beside {}: {}", published, e.toString());
        }
    }

    private static long stagedAt(FileStatus version) {
        Matcher millis = STAGED_AT.matcher(version.getPath().getName());
        return millis.find() ? Long.parseLong(millis.group(1)) : version.getModificationTime();
    }

    /** Called at the end of every run: versions that were staged but never published are deleted, with the folders their writes created. */
    @Override
    public void close() {
        counts.close();
        for (Staging staging : List.copyOf(unpublished)) {
            try {
                FileSystem fs = staging.version().getFileSystem(spark.sparkContext().hadoopConfiguration());
                fs.delete(staging.version(), true);
                deleteEmptyFoldersCreatedFor(fs, staging);
                log.info("discarded unpublished staging {}", staging.version());
            } catch (IOException e) {
                log.warn("could not delete unpublished staging {}: {}", staging.version(), e.toString());
            }
            unpublished.remove(staging);
        }
    }

    /**
     * The folders that only this version's write created (a new table's folder, its partition's folder),
     * if still empty: non-recursive deletes, so a folder another run has just started writing into stays.
     */
    private static void deleteEmptyFoldersCreatedFor(FileSystem fs, Staging staging) {
        if (staging.firstCreated() == null) {
            return;
        }
        String created = staging.firstCreated().toString();
        for (Path folder = staging.version().getParent(); folder != null && folder.toString().startsWith(created); folder = folder.getParent()) {
            try {
                if (!fs.delete(folder, false)) {
                    return;
                }
            } catch (IOException notEmpty) {
                return;
            }
        }
    }

    /** The outermost folder of path that does not exist yet (null if the version folder itself exists). */
    private Path firstMissing(Path path) {
        try {
            FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            Path missing = null;
            for (Path p = path; p != null && !fs.exists(p); p = p.getParent()) {
                missing = p;
            }
            return missing;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Creates the table at publish, at the location its versions were staged in. It is created as an
     * external table: Spark refuses to create a managed table over a folder that is not empty, and the
     * staged version is already there.
     */
    private void createTableIfMissing(String table, String partitionColumn, StructType schema, Path location) {
        if (spark.catalog().tableExists(table)) {
            String existing = columns(spark.table(table).drop(partitionColumn).schema());
            if (!existing.equals(columns(schema))) {
                throw new IllegalStateException("table " + table + " was created by another run with columns (" + existing
                        + "), not this run's (" + columns(schema) + "); nothing was published");
            }
            return;
        }
        int dot = table.indexOf('.');
        if (dot > 0) {
            spark.sql("CREATE DATABASE IF NOT EXISTS " + table.substring(0, dot));
        }
        spark.sql("CREATE TABLE IF NOT EXISTS " + table + " (" + schema.toDDL() + ", " + partitionColumn + " STRING)"
                + " USING parquet PARTITIONED BY (" + partitionColumn + ") LOCATION " + PartitionTables.sqlString(location.toString()));
        log.info("created table {} partitioned by {} at {}", table, partitionColumn, location);
    }

    // read whole and filtered here: a Dataset filter on a command's result would run a Spark job
    private String describedLocation(String describe) {
        return spark.sql(describe).collectAsList().stream()
                .filter(row -> "Location".equals(row.getString(0)))
                .map(row -> row.getString(1))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("'" + describe + "' shows no location"));
    }

    private static String columns(StructType schema) {
        return Arrays.stream(schema.fields()).map(f -> f.name().toLowerCase(Locale.ROOT) + " " + f.dataType().sql())
                .collect(Collectors.joining(", "));
    }

    /** The table's location; for a table not created yet, where Spark would put it: {@code <database location>/<table>}. */
    private Path tableLocation(String table, boolean exists) {
        if (exists) {
            return new Path(describedLocation("DESCRIBE TABLE EXTENDED " + table));
        }
        int dot = table.indexOf('.');
        String database = (dot > 0 ? table.substring(0, dot) : spark.catalog().currentDatabase()).toLowerCase(Locale.ROOT);
        String name = table.substring(dot + 1).toLowerCase(Locale.ROOT);
        Path databaseLocation = spark.catalog().databaseExists(database)
                ? new Path(describedLocation("DESCRIBE DATABASE " + database))
                : new Path(spark.conf().get("spark.sql.warehouse.dir"), database + ".db");
        try {
            return databaseLocation.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(new Path(databaseLocation, name));
        } catch (IOException e) {
            throw new IllegalStateException("cannot resolve the location of new table " + table + " under " + databaseLocation, e);
        }
    }
}
