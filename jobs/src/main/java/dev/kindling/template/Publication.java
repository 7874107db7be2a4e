package dev.kindling.template;

import java.util.Optional;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A write to a store that is not one of Kindling's Iceberg tables (a PostgreSQL table, a model folder),
 * in the shape every Kindling write has: staged where no reader sees it, audited, then published in one
 * step. Jobs hand it to {@link Outputs#publish}, which runs the three steps in a real run, and in a dry
 * run prints {@link #plan()} and runs none of them, so a job has no dry-run branch of its own.
 *
 * @param <S> what {@link #stage()} leaves for the audit and the publish
 */
public interface Publication<S> {

    /** What a publish would write, and where, in one phrase after "would" (no secret in it). */
    String plan();

    /** The rows the publication writes, if it writes rows: a dry run prints their Spark plan. */
    default Optional<Dataset<Row>> rows() {
        return Optional.empty();
    }

    /** Writes where no reader sees it yet (a staging table, a new version folder) and says what. */
    S stage() throws Exception;

    /** Throws to refuse the staged write (a {@link DataQualityException} for what the data got wrong); nothing is published then. */
    default void audit(S staged) throws Exception {
    }

    /** Makes the staged write what readers see, in one step. */
    void publish(S staged) throws Exception;

    /** Undoes a stage that will not be published (its audit or its publish failed); nothing to undo by default. */
    default void discard(S staged) {
    }
}
