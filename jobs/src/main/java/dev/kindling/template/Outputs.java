package dev.kindling.template;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The only way jobs write. Real runs stage, then publish atomically; dry-runs print the target and
 * the Spark plan instead. Observations on the written rows are recorded after each write.
 */
public interface Outputs {

    /**
     * Writes rows as a new version of one partition of a Parquet table (created if missing), invisible
     * to readers until {@link StagedPartition#publish()}; a version never published is discarded.
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
     * Writes rejected rows (with a reason column) as JSON lines under quarantine.dir, in a folder of
     * this table, partition and run; returns that folder.
     */
    Quarantine writeQuarantine(String table, String partitionColumn, String partitionValue, Dataset<Row> rejects);

    /** Where rejected rows went, and how many the write wrote (Spark's count of that write). */
    record Quarantine(String path, long rows) {
    }

    /**
     * A written partition version waiting for the job's checks, with the rows its query read from its
     * sources and the rows it wrote (Spark's own counts: no extra pass; both 0 in a dry run).
     */
    final class StagedPartition {
        private final long rowsRead;
        private final long rowsWritten;
        private final Runnable publish;

        StagedPartition(long rowsRead, long rowsWritten, Runnable publish) {
            this.rowsRead = rowsRead;
            this.rowsWritten = rowsWritten;
            this.publish = publish;
        }

        public long rowsRead() {
            return rowsRead;
        }

        public long rowsWritten() {
            return rowsWritten;
        }

        /** Swaps the new version in with one metastore update: readers see the old rows or the new. */
        public void publish() {
            publish.run();
        }
    }
}
