package dev.kindling.template;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Outputs on Spark's catalog and Hadoop file systems. A partition version is written to
 * {@code <table location>/_kindling_versions/<column>=<value>/<run>-<millis>} and published by
 * pointing the partition at it ({@code ALTER TABLE ... SET LOCATION}), so a failed or killed run
 * leaves the previous content visible and a rerun replaces exactly one partition.
 */
final class SparkOutputs implements Outputs {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern PARTITION_VALUE = Pattern.compile("[A-Za-z0-9_.:+-]+");
    static final String VERSIONS = "_kindling_versions";
    /** How long to wait for Spark to report a finished write's counts and observations. */
    private static final Duration SPARK_REPORT_TIMEOUT = Duration.ofSeconds(10);

    private final SparkSession spark;
    private final Settings settings;
    private final JobMetrics metrics;
    private final Logger log;
    private final String runToken;
    private final boolean dryRun;
    private final PrintStream out;
    private final List<Path> unpublished = new ArrayList<>();
    private final WriteCounts counts;

    SparkOutputs(SparkSession spark, Settings settings, JobMetrics metrics, Logger log, String runId, boolean dryRun, PrintStream out) {
        this.spark = spark;
        this.settings = settings;
        this.metrics = metrics;
        this.log = log;
        this.runToken = runId.replaceAll("[^A-Za-z0-9._-]", "_");
        this.dryRun = dryRun;
        this.out = out;
        this.counts = dryRun ? null : new WriteCounts(spark);
    }

    @Override
    public StagedPartition stagePartition(String table, String partitionColumn, String partitionValue, Dataset<Row> rows, SchemaEvolution evolution) {
        checkIdentifiers(table, partitionColumn, partitionValue);
        if (Arrays.stream(rows.columns()).anyMatch(c -> c.equalsIgnoreCase(partitionColumn))) {
            throw new InvalidInputException("the rows already have a column '" + partitionColumn + "', which is the partition column of " + table);
        }
        boolean exists = spark.catalog().tableExists(table);
        List<StructField> newColumns = new ArrayList<>();
        Dataset<Row> ordered = exists ? matchTableColumns(table, partitionColumn, rows, evolution, newColumns) : rows;
        String spec = partitionSpec(partitionColumn, partitionValue);
        if (dryRun) {
            out.println("dry run: would write table " + table + " partition " + spec
                    + (exists ? "" : " (new table)") + " with columns " + ordered.schema().toDDL());
            out.println("dry run: Spark plan of the rows to write:");
            out.println(plan(ordered));
            return new StagedPartition(0, 0, () -> out.println("dry run: would publish " + table + " partition " + spec));
        }
        if (!exists) {
            createTable(table, partitionColumn, rows.schema());
        }
        Path version = new Path(tableLocation(table), VERSIONS + "/" + partitionColumn + "=" + partitionValue + "/" + runToken + "-" + System.currentTimeMillis());
        unpublished.add(version);
        log.info("writing {} partition {} to staging {}", table, spec, version);
        WriteCounts.Count count = counts.countWrite(version,
                () -> ordered.write().mode(SaveMode.ErrorIfExists).parquet(version.toString()), SPARK_REPORT_TIMEOUT);
        metrics.collectObservations(SPARK_REPORT_TIMEOUT);
        return new StagedPartition(count.rowsRead(), count.rowsWritten(), () -> {
            if (!newColumns.isEmpty()) {
                spark.sql("ALTER TABLE " + table + " ADD COLUMNS (" + SchemaDiff.columns(newColumns) + ")");
                log.info("added columns {} to {}", SchemaDiff.columns(newColumns), table);
            }
            publish(table, partitionColumn, partitionValue, version);
        });
    }

    private void publish(String table, String partitionColumn, String partitionValue, Path version) {
        String spec = partitionSpec(partitionColumn, partitionValue);
        boolean partitionExists = !spark.sql("SHOW PARTITIONS " + table + " PARTITION " + spec).isEmpty();
        String location = sqlString(version.toString());
        if (partitionExists) {
            spark.sql("ALTER TABLE " + table + " PARTITION " + spec + " SET LOCATION " + location);
        } else {
            spark.sql("ALTER TABLE " + table + " ADD PARTITION " + spec + " LOCATION " + location);
        }
        unpublished.remove(version);
        spark.catalog().refreshTable(table);
        log.info("published {} partition {} from {}", table, spec, version);
        deleteOtherVersions(version);
    }

    /** Older versions of the partition, and versions left by failed or killed runs. */
    private void deleteOtherVersions(Path keep) {
        try {
            FileSystem fs = keep.getFileSystem(hadoopConf());
            for (FileStatus other : fs.listStatus(keep.getParent())) {
                if (!other.getPath().getName().equals(keep.getName())) {
                    fs.delete(other.getPath(), true);
                }
            }
        } catch (IOException e) {
            log.warn("could not delete old versions beside {}: {}", keep, e.toString());
        }
    }

    /** Called at the end of every run: versions that were staged but never published are deleted. */
    void close() {
        if (counts != null) {
            counts.close();
        }
        for (Path version : List.copyOf(unpublished)) {
            try {
                version.getFileSystem(hadoopConf()).delete(version, true);
                log.info("discarded unpublished staging {}", version);
            } catch (IOException e) {
                log.warn("could not delete unpublished staging {}: {}", version, e.toString());
            }
            unpublished.remove(version);
        }
    }

    @Override
    public Quarantine writeQuarantine(String table, String partitionColumn, String partitionValue, Dataset<Row> rejects) {
        checkIdentifiers(table, partitionColumn, partitionValue);
        String root = settings.isSet("quarantine.dir") ? settings.get("quarantine.dir")
                : spark.conf().get("spark.sql.warehouse.dir") + "/_quarantine";
        String path = root + "/" + table + "/" + partitionColumn + "=" + partitionValue + "/run_id=" + runToken;
        if (dryRun) {
            out.println("dry run: would write rejected rows to " + path);
            return new Quarantine(path, 0);
        }
        WriteCounts.Count count = counts.countWrite(new Path(path), () -> rejects.write().mode(SaveMode.Overwrite).json(path), SPARK_REPORT_TIMEOUT);
        metrics.collectObservations(SPARK_REPORT_TIMEOUT);
        log.info("wrote rejected rows of {} partition {}={} to {}", table, partitionColumn, partitionValue, path);
        return new Quarantine(path, count.rowsWritten());
    }

    /**
     * The rows in the table's column order, matched by name. Columns the table lacks are added to
     * {@code newColumns} (and kept, after the table's) when the evolution policy allows it.
     */
    private Dataset<Row> matchTableColumns(String table, String partitionColumn, Dataset<Row> rows, SchemaEvolution evolution,
                                           List<StructField> newColumns) {
        StructType columns = new StructType(Arrays.stream(spark.table(table).schema().fields())
                .filter(field -> !field.name().equalsIgnoreCase(partitionColumn))
                .toArray(StructField[]::new));
        SchemaDiff diff = SchemaDiff.between(columns, rows.schema());
        boolean adding = evolution == SchemaEvolution.ADD_COLUMNS && diff.onlyAdded();
        if (!diff.none() && !adding) {
            throw new InvalidInputException("the source's columns do not match table " + table + ": " + diff.describe()
                    + (diff.onlyAdded() ? " (--schema-evolution add-columns adds them)" : ""));
        }
        List<Column> select = new ArrayList<>();
        for (StructField field : columns.fields()) {
            select.add(rows.col("`" + field.name() + "`").as(field.name()));
        }
        if (adding) {
            newColumns.addAll(diff.added());
            diff.added().forEach(field -> select.add(rows.col("`" + field.name() + "`")));
        }
        return rows.select(select.toArray(Column[]::new));
    }

    private void createTable(String table, String partitionColumn, StructType schema) {
        int dot = table.indexOf('.');
        if (dot > 0) {
            spark.sql("CREATE DATABASE IF NOT EXISTS " + table.substring(0, dot));
        }
        spark.sql("CREATE TABLE IF NOT EXISTS " + table + " (" + schema.toDDL() + ", " + partitionColumn + " STRING)"
                + " USING parquet PARTITIONED BY (" + partitionColumn + ")");
        log.info("created table {} partitioned by {}", table, partitionColumn);
    }

    private String tableLocation(String table) {
        return spark.sql("DESCRIBE TABLE EXTENDED " + table).collectAsList().stream()
                .filter(row -> "Location".equals(row.getString(0)))
                .map(row -> row.getString(1))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("table " + table + " has no location in the catalog"));
    }

    // EXPLAIN is a command: it runs no Spark job.
    private String plan(Dataset<Row> rows) {
        String view = "kindling_dry_run_" + runToken.replaceAll("[^A-Za-z0-9_]", "_");
        rows.createOrReplaceTempView(view);
        try {
            return spark.sql("EXPLAIN FORMATTED SELECT * FROM " + view).collectAsList().get(0).getString(0);
        } finally {
            spark.catalog().dropTempView(view);
        }
    }

    private Configuration hadoopConf() {
        return spark.sparkContext().hadoopConfiguration();
    }

    private static void checkIdentifiers(String table, String partitionColumn, String partitionValue) {
        String[] parts = table.split("\\.", -1);
        if (parts.length > 2 || !Arrays.stream(parts).allMatch(p -> IDENTIFIER.matcher(p).matches())) {
            throw new InvalidInputException("table name '" + table + "' is not valid: use table or database.table with letters, digits and '_'");
        }
        if (!IDENTIFIER.matcher(partitionColumn).matches()) {
            throw new InvalidInputException("partition column '" + partitionColumn + "' is not valid: use letters, digits and '_'");
        }
        if (!PARTITION_VALUE.matcher(partitionValue).matches()) {
            throw new InvalidInputException("partition value '" + partitionValue + "' is not valid: use letters, digits and . : + _ -");
        }
    }

    private static String partitionSpec(String column, String value) {
        return "(" + column + "=" + sqlString(value) + ")";
    }

    private static String sqlString(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
