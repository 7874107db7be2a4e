package dev.kindling.dsl.publish;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Collectors;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Replaces a whole table so that readers see the old rows or the new, never a mix. The DSL writes
 * mailing lists through one: its own in a shell, a job's outputs in a scheduled run (which also
 * counts the write and, in a dry run, writes nothing).
 */
@FunctionalInterface
public interface TableWriter {

    /**
     * Writes rows as a new version of table, with a CSV copy (header line first), and publishes it.
     * Before the publish, while both are visible, it counts how the new version differs from the
     * published one by the values of column {@code key} (see {@link VersionedTable#difference}).
     */
    Replaced replaceWithCsv(String table, Dataset<Row> rows, String key);

    /**
     * Replaces one partition of a partitioned table so that readers see its old rows or the new, never
     * a mix: the rows go into a new version ({@link VersionedTable#stage}), then the partition is
     * pointed at it with one metastore update ({@link VersionedTable#publishPartition}). A table that is
     * missing is created first, empty, with the rows' columns followed by {@code partitionColumns}
     * (DDL, e.g. {@code "day DATE, name STRING"}); {@code values} are the partition's, in that order.
     * Returns how many rows the partition has now. SQL and the unified Dataset API only.
     */
    default long replacePartition(String table, String partitionColumns, List<String> values, Dataset<Row> rows) {
        SparkSession spark = rows.sparkSession();
        StructType partition = StructType.fromDDL(partitionColumns);
        if (partition.fields().length != values.size()) {
            throw new IllegalArgumentException("partition " + partitionColumns + " of " + table + " needs " + partition.fields().length + " values, not " + values);
        }
        VersionedTable versions = new VersionedTable(spark, table);
        String names = java.util.Arrays.stream(partition.fields()).map(StructField::name).collect(Collectors.joining(", "));
        spark.sql("CREATE DATABASE IF NOT EXISTS " + versions.table().substring(0, versions.table().indexOf('.')));
        try {
            spark.sql("CREATE TABLE IF NOT EXISTS " + versions.table() + " (" + rows.schema().toDDL() + ", " + partitionColumns + ")"
                    + " USING parquet PARTITIONED BY (" + names + ")");
        } catch (Exception e) { // Spark's AnalysisException is checked in Java, but thrown undeclared: another run created it first?
            if (!spark.catalog().tableExists(versions.table())) {
                throw e;
            }
        }
        VersionedTable.Filled<Long> filled = versions.stage(rows.schema(), version -> {
            rows.write().insertInto(version.table());
            return spark.table(version.table()).count();
        });
        LinkedHashMap<String, String> spec = new LinkedHashMap<>();
        for (int i = 0; i < values.size(); i++) {
            spec.put(partition.fields()[i].name(), values.get(i));
        }
        versions.publishPartition(filled.version(), spec);
        return filled.value();
    }

    /**
     * Drops the partitions of {@code table} whose DATE partition column {@code dateColumn} is before
     * {@code keepFrom}, with their versions ({@link VersionedTable#dropPartitionsBefore}); returns how many.
     */
    default int dropPartitionsBefore(SparkSession spark, String table, String dateColumn, java.time.LocalDate keepFrom) {
        return new VersionedTable(spark, table).dropPartitionsBefore(dateColumn, keepFrom);
    }

    /** False for a writer that writes nothing (a job's dry run): callers then skip work that only a report needs. */
    default boolean writes() {
        return true;
    }

    /** How many rows the new version has, the folder of its CSV copy, and how it differs from the version it replaced. */
    record Replaced(long rows, String csvFolder, Difference difference) {
    }
}
