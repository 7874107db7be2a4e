package dev.kindling.template;

import dev.kindling.dsl.publish.TableWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The only way jobs write: every table is an Apache Iceberg table, and other stores (PostgreSQL, model
 * folders) are {@link Publication}s. Real runs stage what they write where no reader sees it, audit it,
 * then publish it in one step; a dry run ({@link DryRunOutputs}) prints the target and the Spark plan and
 * writes nothing, not even metadata.
 */
public interface Outputs extends TableWriter {

    /**
     * Writes rows into one partition of an Iceberg table (created, partitioned by the partition column,
     * if missing) as a staged snapshot, invisible to readers until {@link StagedPartition#publish()}.
     * What a run staged and did not publish is undone at the end of the run: its snapshot, and a table
     * it created that was never published. An existing table of another kind is bad input.
     */
    default StagedPartition stagePartition(String table, String partitionColumn, String partitionValue, Dataset<Row> rows) {
        return stagePartition(table, Partition.of(partitionColumn, partitionValue), rows, SchemaEvolution.NONE);
    }

    default StagedPartition stagePartition(String table, String partitionColumn, String partitionValue, Dataset<Row> rows, SchemaEvolution evolution) {
        return stagePartition(table, Partition.of(partitionColumn, partitionValue), rows, evolution);
    }

    /** As above, for a table name an option gave (a name given as text is checked and lower-cased as {@link TableName} does). */
    default StagedPartition stagePartition(TableName table, String partitionColumn, String partitionValue, Dataset<Row> rows) {
        return stagePartition(table.toString(), partitionColumn, partitionValue, rows);
    }

    default StagedPartition stagePartition(TableName table, String partitionColumn, String partitionValue, Dataset<Row> rows, SchemaEvolution evolution) {
        return stagePartition(table.toString(), partitionColumn, partitionValue, rows, evolution);
    }

    /**
     * As above; rows whose columns differ from the existing table's are bad input, with a one-line
     * diff, unless {@code evolution} allows the difference (new columns are then added at publish).
     */
    StagedPartition stagePartition(String table, Partition partition, Dataset<Row> rows, SchemaEvolution evolution);

    /**
     * Replaces a whole Iceberg table (created if missing) by write-audit-publish: the rows and a CSV copy
     * (one file, header line first, in {@code <table folder>.csv/<snapshot>}) are written on a staging
     * branch no reader sees, counted there against the published rows by the values of {@code key}, then
     * published in one commit, refused if another run published the table meanwhile. Spark's count of the
     * rows the write read, and the commit's count of rows written, go into the run's rows_read and
     * rows_written. Mailing lists are written this way.
     */
    @Override
    Replaced replaceWithCsv(String table, Dataset<Row> rows, String key, java.util.Map<String, String> facts);

    /**
     * Replaces a whole Iceberg table (created if missing, partitioned by the given columns, if any) as
     * {@link #replaceWithCsv} does, without the copy and the comparison. The demo marketplace is written
     * this way.
     */
    void replaceTable(String table, Dataset<Row> rows, String... partitionColumns);

    /**
     * Writes to a store that is not an Iceberg table (PostgreSQL, a model folder): stages, audits and
     * publishes it, and discards the stage when the audit or the publish fails (the failure is thrown on).
     * A dry run prints what it would write and runs none of the three.
     */
    <S> void publish(Publication<S> publication) throws Exception;

    /**
     * Housekeeping of an Iceberg table Kindling writes, each step only for what is older than the
     * retention: staging branches and unpublished tables left by killed runs, snapshots beyond the last
     * {@code keepLast} (with the files only they held, and mailing lists' CSV copies of them), files no
     * snapshot references; then small files compacted. A dry run says what would go and changes nothing.
     */
    Maintenance maintain(String table, Retention retention);

    default Maintenance maintain(TableName table, Retention retention) {
        return maintain(table.toString(), retention);
    }

    /**
     * How long a table's history is kept: snapshots younger than {@code age}, and at least the last
     * {@code keepLast}; {@code migrate}: a Hive table (written by Kindling before Iceberg) is first moved
     * to Iceberg in place, its files where they are.
     */
    record Retention(java.time.Duration age, int keepLast, boolean compact, boolean migrate) {
        public Retention {
            if (age == null || age.isNegative() || age.isZero() || keepLast < 1) {
                throw new IllegalArgumentException("a retention keeps a positive age and at least the last snapshot: " + age + ", " + keepLast);
            }
        }
    }

    /**
     * What maintenance removed or rewrote (a dry run: what it would remove; it does not compact). A table
     * that does not exist (a quarantine table before its first reject) is {@code missing}, with nothing done.
     */
    record Maintenance(String table, long snapshotsExpired, long filesDeleted, long orphanFilesDeleted, long branchesDropped,
                       long csvCopiesDeleted, long filesCompacted, boolean tableDropped, boolean missing, long filesMigrated) {
    }

    /**
     * A staged partition waiting for the job's checks, with the rows its query read from its sources
     * (Spark's count) and the rows it wrote (the staged commit's count): no extra pass; both 0 in a dry run.
     */
    interface StagedPartition {

        long rowsRead();

        long rowsWritten();

        /** The rows as staged, read from the staged snapshot (a dry run: the rows it would write), e.g. for checks before the publish. */
        Dataset<Row> rows();

        /**
         * Stages rejected rows (columns {@code record} and {@code reason}) into the same partition of the
         * table's quarantine table, {@code <table>_quarantine}: published right after the partition,
         * replaced with it by a rerun, discarded if it is not published. At most once per staged partition.
         */
        Quarantine quarantine(Dataset<Row> rejects);

        /**
         * Replaces the partition's rows with the staged ones in one Iceberg commit: readers see the old
         * rows or the new, and a query that started before keeps its snapshot. Refused (and nothing
         * published) when another run published this partition after this one began staging it.
         */
        void publish();
    }

    /** Where a staged partition's rejected rows are (table and partition), and how many the write staged (0 in a dry run). */
    record Quarantine(String where, long rows) {
    }
}
