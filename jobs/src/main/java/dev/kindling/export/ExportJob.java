package dev.kindling.export;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;

import dev.kindling.template.DataQualityException;
import dev.kindling.template.InvalidInputException;
import dev.kindling.template.Job;
import dev.kindling.template.Preflight;
import dev.kindling.template.Publication;
import dev.kindling.template.RunContext;
import dev.kindling.template.Source;
import dev.kindling.template.TableName;
import dev.kindling.template.UrlSecrets;
import dev.kindling.template.Writes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Exports one logical date's partition of a Hive table (or the whole table) into a PostgreSQL table:
 * Spark tasks COPY the rows into a staging table, then one transaction, checking that it holds exactly
 * the rows Spark read, makes it the new table or the date's partition of a table partitioned by the
 * date, or else replaces the date's rows (or upserts by key) from it.
 */
@Command(name = "export",
        description = "Export the logical date's partition of a Hive table (or the whole table) into a PostgreSQL table, replacing that date's rows or upserting by key, in one transaction.")
public final class ExportJob implements Job {


    /** How the rows go into the target. */
    public enum Mode {
        REPLACE_DATE, UPSERT;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    @Option(names = "--source", required = true, paramLabel = "DB.TABLE", converter = TableName.QualifiedConverter.class, description = "The Hive table to read.")
    TableName source;

    @Option(names = "--partition-column", defaultValue = "ds", paramLabel = "COLUMN",
            description = "The source's column whose value is the logical date; only those rows are exported. Default: ${DEFAULT-VALUE}.")
    String partitionColumn;

    @Option(names = "--whole-table", description = "Export every row of the source, not one date's (replace-date then replaces every row of the target).")
    boolean wholeTable;

    @Option(names = "--target-url", required = true, paramLabel = "URL",
            description = "jdbc:postgresql://host:port/database; credentials come from KINDLING_JDBC_USER and KINDLING_JDBC_PASSWORD, never from the URL.")
    String targetUrl;

    @Writes(Writes.Kind.POSTGRES)
    @Option(names = "--target-table", required = true, paramLabel = "SCHEMA.TABLE",
            description = "The PostgreSQL table to write (schema public if none is given); created if missing.")
    String targetTable;

    @Option(names = "--mode", defaultValue = "replace-date", paramLabel = "MODE",
            description = "replace-date (the date's rows, or with --whole-table all rows, replaced in one transaction) or upsert (insert, or update rows with the same --key). Default: ${DEFAULT-VALUE}.")
    Mode mode;

    @Option(names = "--key", split = ",", paramLabel = "COLUMN", description = "The columns identifying a row, for --mode upsert (comma-separated).")
    List<String> key = new ArrayList<>();

    @Option(names = "--allow-empty", description = "Export when the source has no rows (replace-date then deletes the date's rows); otherwise that is exit 3.")
    boolean allowEmpty;

    private PgSql.Table target;

    @Override
    public void checkOptions() {
        if (!TableName.isIdentifier(partitionColumn) || partitionColumn.length() > PgSql.MAX_NAME) {
            throw new InvalidInputException("--partition-column '" + partitionColumn + "' is not a column name (letters, digits, '_', at most " + PgSql.MAX_NAME + " characters)");
        }
        if (!targetUrl.startsWith("jdbc:postgresql://")) {
            throw new InvalidInputException("--target-url must be a PostgreSQL JDBC URL, jdbc:postgresql://host:port/database");
        }
        UrlSecrets.refuseCredentials("--target-url", targetUrl);
        target = PgSql.Table.parse("--target-table", targetTable);
        for (String column : key) {
            if (!TableName.isIdentifier(column) || column.length() > PgSql.MAX_NAME) {
                throw new InvalidInputException("--key column '" + column + "' is not a column name (letters, digits, '_')");
            }
        }
        if (mode == Mode.UPSERT && key.isEmpty()) {
            throw new InvalidInputException("--mode upsert needs --key: the columns that identify a row");
        }
        if (mode != Mode.UPSERT && !key.isEmpty()) {
            throw new InvalidInputException("--key applies to --mode upsert only");
        }
    }

    @Override
    public void validate(Preflight preflight) {
        preflight.requireTable("--source", source);
        preflight.requireJdbcConnection("--target-url", targetUrl);
    }

    @Override
    public void run(RunContext context) throws Exception {
        long started = System.currentTimeMillis();
        String date = context.logicalDate().toString();
        // dates and timestamps as java.time values: an instant stays an instant, whatever the JVM's zone
        context.spark().conf().set("spark.sql.datetime.java8API.enabled", "true");
        Dataset<Row> all = context.read(new Source(Source.Format.HIVE, source.toString(), null, null, null));
        List<PgColumns.Column> columns = PgColumns.of(all.schema());
        PgColumns.Column dateColumn = wholeTable ? null : column(columns, partitionColumn, "--partition-column");
        for (String column : key) {
            column(columns, column, "--key column");
        }
        Dataset<Row> rows = wholeTable ? all : all.where(col(dateColumn.name()).equalTo(lit(date)));
        String what = source + (wholeTable ? " (every row)" : " (" + partitionColumn + " = " + date + ")");
        Properties credentials = context.jdbcCredentials();
        PgExport.Rows exported = new PgExport.Rows(columns, mode, key, dateColumn, date);
        try (PgExport pg = openTarget(credentials, exported, context)) {
            pg.check();
            context.outputs().publish(new ToPostgres(context, pg, pg.plan(), rows, columns, what, started));
        }
    }

    /**
     * The export as a publication: the rows are copied into a staging table of this run (PostgreSQL's
     * COPY from each Spark partition), counted, and published into the target in one transaction. A
     * staging table that is not published is dropped when the session ends (and by the next run, if
     * this one was killed).
     */
    private final class ToPostgres implements Publication<Long> {
        private final RunContext context;
        private final PgExport pg;
        private final PgExport.Publish publish;
        private final Dataset<Row> rows;
        private final List<PgColumns.Column> columns;
        private final String what;
        private final long started;

        ToPostgres(RunContext context, PgExport pg, PgExport.Publish publish, Dataset<Row> rows, List<PgColumns.Column> columns, String what, long started) {
            this.context = context;
            this.pg = pg;
            this.publish = publish;
            this.rows = rows;
            this.columns = columns;
            this.what = what;
            this.started = started;
        }

        @Override
        public String plan() {
            return "export " + what + " to PostgreSQL " + UrlSecrets.masked(targetUrl) + " table " + target + " (" + mode
                    + (key.isEmpty() ? "" : " on " + String.join(",", key)) + "; " + publish + "), columns: "
                    + columns.stream().map(c -> c.name() + " " + c.pgType()).collect(Collectors.joining(", "));
        }

        @Override
        public Optional<Dataset<Row>> rows() {
            return Optional.of(rows);
        }

        /** The rows Spark read, all of them in the staging table. */
        @Override
        public Long stage() throws SQLException {
            int dropped = pg.dropLeftoverStaging(started);
            if (dropped > 0) {
                context.log().info("dropped {} staging tables of {} left by earlier runs", dropped, target);
            }
            PgSql.Table staging = pg.createStaging(publish, started);
            context.log().info("writing {} into PostgreSQL staging table {}", what, staging);
            Properties credentials = context.jdbcCredentials();
            List<long[]> copied = rows.javaRDD().mapPartitionsWithIndex(new StagingWriter(targetUrl, credentials, staging, columns), false).collect();
            long read = copied.stream().mapToLong(partition -> partition[1]).sum();
            context.metrics().set("rows_read", read);
            return read;
        }

        @Override
        public void audit(Long read) {
            if (read == 0 && !allowEmpty) {
                throw new DataQualityException("the source has no rows for " + what + "; nothing was written (--allow-empty exports an empty date)");
            }
        }

        @Override
        public void publish(Long read) throws SQLException {
            context.log().info("publishing {} rows into {} ({})", read, target, mode);
            long written = pg.publish(read);
            context.metrics().set("rows_written", written);
            context.log().info("export of {} into {} ({}): {} rows read, {} written", what, target, mode, read, written);
        }
    }

    private PgExport openTarget(Properties credentials, PgExport.Rows exported, RunContext context) {
        try {
            return PgExport.open(targetUrl, credentials, target, exported, context.log());
        } catch (SQLException e) {
            throw Preflight.jdbcFailure("--target-url '" + UrlSecrets.masked(targetUrl) + "'", e);
        }
    }

    private static PgColumns.Column column(List<PgColumns.Column> columns, String name, String option) {
        return columns.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow(() -> new InvalidInputException(
                option + " '" + name + "' is not a column of the source; its columns are " + columns.stream().map(PgColumns.Column::name).toList()));
    }
}
