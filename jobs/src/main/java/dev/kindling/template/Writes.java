package dev.kindling.template;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Locale;

/**
 * Marks the option of a job that names what a successful run writes. {@code kindling spec --json} lists it
 * with the option ("writes": the kind), and Airflow's DAG factory turns the option's value into the task's
 * asset outlet {@code kindling://<kind>/<value>}, so DAGs can be scheduled on what other jobs publish.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Writes {

    Kind value();

    /** What the option's value names; each kind is the host part of the asset URI. */
    enum Kind {
        /**
         * A table of the session catalog (db.table; an Iceberg table, as Kindling writes them) whose logical
         * date's partition the run publishes. Named "hive" for the metastore that names such tables: the
         * name is part of every asset URI that DAGs schedule on, so it stays.
         */
        HIVE,
        /** A table of the session catalog whose logical date the run has checked (data-quality checks passed). */
        VERIFIED,
        /** A PostgreSQL table (schema.table) the run exports into. */
        POSTGRES,
        /** A named mailing list. */
        MAILING,
        /** A named model whose current version the run may replace. */
        MODEL;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
