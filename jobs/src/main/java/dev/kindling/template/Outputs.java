package dev.kindling.template;

import dev.kindling.dsl.publish.TableWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The only way jobs write. Real runs stage a complete version, then publish it with one metastore
 * update; a dry run ({@link DryRunOutputs}) prints the target and the Spark plan and writes nothing.
 */
public interface Outputs extends TableWriter {

    /**
     * Writes rows as a new version of one partition of a Parquet table, invisible to readers until
     * {@link StagedPartition#publish()}. Nothing is created in the catalog before the publish, not even
     * the table; a version never published is discarded at the end of the run.
     */
    default StagedPartition stagePartition(String table, String partitionColumn, String partitionValue, Dataset<Row> rows) {
        return stagePartition(table, partitionColumn, partitionValue, rows, SchemaEvolution.NONE);
    }

    /**
     * As above; rows whose columns differ from the existing table's are bad input, with a one-line
     * diff, unless {@code evolution} allows the difference (new columns are then added at publish).
     */
    StagedPartition stagePartition(String table, String partitionColumn, String partitionValue, Dataset<Row> rows, SchemaEvolution evolution);

    /**
     * Writes rows as a new version of a whole table (a managed table {@code <table>__v<millis>}, with a
     * CSV copy in its {@code _csv} folder), points the table at it with one metastore update and drops
     * the version it replaced (see {@link dev.kindling.dsl.publish.VersionedTable}). Spark's counts of the
     * write (rows its sources read, rows written) are added to the run's rows_read and rows_written.
     * Before the publish it counts the values of {@code key} added and removed against the published
     * version. Mailing lists are written this way.
     */
    @Override
    Replaced replaceWithCsv(String table, Dataset<Row> rows, String key);

    /**
     * Replaces a whole Parquet table (partitioned by the given columns, if any) with Spark's overwrite:
     * not atomic, readers may see it half written. For data nobody reads while it is rebuilt (demo data).
     * Spark's counts of the write are added to the run's rows_read and rows_written.
     */
    void overwriteTable(String table, Dataset<Row> rows, String... partitionColumns);

    /**
     * A written partition version waiting for the job's checks, with the rows its query read from its
     * sources and the rows it wrote (Spark's own counts: no extra pass; both 0 in a dry run).
     */
    interface StagedPartition {

        long rowsRead();

        long rowsWritten();

        /** The rows as staged, read back from the version (a dry run: the rows it would write), e.g. for checks before the publish. */
        Dataset<Row> rows();

        /**
         * Writes rejected rows (with a reason column) as JSON lines into this version's quarantine,
         * published with the partition and replaced with it by a rerun, discarded if the version is not
         * published. At most once per staged partition.
         */
        Quarantine quarantine(Dataset<Row> rejects);

        /**
         * Points the partition at this version with one metastore update (creating the table first
         * if it is new), then deletes the version it replaced: readers see the old rows or the new.
         */
        void publish();
    }

    /** Where a staged partition's rejected rows are, and how many the write wrote (Spark's count; 0 in a dry run). */
    record Quarantine(String path, long rows) {
    }
}
