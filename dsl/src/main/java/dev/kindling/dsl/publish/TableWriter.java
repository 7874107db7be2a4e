package dev.kindling.dsl.publish;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

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

    /** False for a writer that writes nothing (a job's dry run): callers then skip work that only a report needs. */
    default boolean writes() {
        return true;
    }

    /** How many rows the new version has, the folder of its CSV copy, and how it differs from the version it replaced. */
    record Replaced(long rows, String csvFolder, Difference difference) {
    }
}
