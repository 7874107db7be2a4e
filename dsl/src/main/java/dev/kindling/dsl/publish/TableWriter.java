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

    /** Writes rows as a new version of table, with a CSV copy (header line first), and publishes it. */
    Replaced replaceWithCsv(String table, Dataset<Row> rows);

    /** How many rows the new version has, and the folder of its CSV copy. */
    record Replaced(long rows, String csvFolder) {
    }
}
