package dev.kindling.dsl.publish;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * How the DSL publishes Iceberg tables, so that readers see the old rows or the new, never a mix. In a
 * shell it is {@link #inSession}: SQL and the unified Dataset API, also over Spark Connect. In a scheduled
 * run it is the job's outputs, which also count each write, record the run in each commit, and in a
 * dry run write nothing. Both write the same tables the same way ({@link StagedTable}, {@link IcebergSql}).
 */
public interface TableWriter {

    /**
     * Replaces a whole table with rows, with a CSV copy (header line first), by write-audit-publish
     * ({@link StagedTable}): before the publish it counts how the new rows differ from the published ones
     * by the values of column {@code key}. {@code facts} go into the commit's summary (keys {@code kindling.*}),
     * for the next write of the table to read.
     */
    Replaced replaceWithCsv(String table, Dataset<Row> rows, String key, Map<String, String> facts);

    /** As above, with no facts of its own. */
    default Replaced replaceWithCsv(String table, Dataset<Row> rows, String key) {
        return replaceWithCsv(table, rows, key, Map.of());
    }

    /**
     * Replaces one partition of a partitioned table in one validated commit
     * ({@link IcebergSql#replacePartition}); returns how many rows the partition has now.
     */
    long replacePartition(String table, String partitionColumns, List<String> values, Dataset<Row> rows);

    /** Deletes the rows of {@code table} whose DATE partition column {@code dateColumn} is before {@code keepFrom}. */
    void deletePartitionsBefore(String table, String dateColumn, LocalDate keepFrom);

    /** False for a writer that writes nothing (a job's dry run): callers then skip work that only a report needs. */
    default boolean writes() {
        return true;
    }

    /** How many rows the new table has, the folder of its CSV copy, and how it differs from the rows it replaced. */
    record Replaced(long rows, String csvFolder, Difference difference) {
    }

    /** A shell's writer: each commit's summary names the shell as its run ({@code kindling.run_id = shell}). */
    static TableWriter inSession(SparkSession spark) {
        String run = "shell";
        Map<String, String> summary = Map.of("kindling.run_id", run);
        return new TableWriter() {
            @Override
            public Replaced replaceWithCsv(String table, Dataset<Row> rows, String key, Map<String, String> facts) {
                StagedTable staged = StagedTable.begin(spark, table, rows.schema(), List.of(), run);
                try {
                    staged.write(rows, IcebergSql.withFacts(summary, facts));
                    Replaced replaced = new Replaced(staged.rowCount(), staged.writeCsvCopy(), staged.difference(key));
                    staged.publish();
                    return replaced;
                } finally {
                    staged.discard(); // nothing once published
                }
            }

            @Override
            public long replacePartition(String table, String partitionColumns, List<String> values, Dataset<Row> rows) {
                return IcebergSql.replacePartition(spark, table, partitionColumns, values, rows, summary, run);
            }

            @Override
            public void deletePartitionsBefore(String table, String dateColumn, LocalDate keepFrom) {
                IcebergSql.deleteBefore(spark, table, dateColumn, keepFrom);
            }
        };
    }
}
