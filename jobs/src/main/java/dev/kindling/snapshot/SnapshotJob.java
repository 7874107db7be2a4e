package dev.kindling.snapshot;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.kindling.template.CheckedRows;
import dev.kindling.template.ChecksOption;
import dev.kindling.template.CsvOptions;
import dev.kindling.template.DataQualityException;
import dev.kindling.template.InvalidInputException;
import dev.kindling.template.Job;
import dev.kindling.template.JobMetrics;
import dev.kindling.template.Outputs;
import dev.kindling.template.Outputs.StagedPartition;
import dev.kindling.template.PlainDecimal;
import dev.kindling.template.Preflight;
import dev.kindling.template.RunContext;
import dev.kindling.template.SchemaEvolution;
import dev.kindling.template.Source;
import dev.kindling.template.TableName;
import dev.kindling.template.Writes;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Copies a source into one partition (the logical date) of an Iceberg table. Records that cannot be
 * used are quarantined with a reason, never dropped: rows read = rows written + rows quarantined
 * (+ duplicates dropped). Nothing is published when a check fails.
 */
@Command(name = "snapshot",
        description = "Copy a CSV, JSON or Parquet path, a Hive table or a JDBC table into the logical date's partition of an Iceberg table.")
public final class SnapshotJob implements Job {

    private static final String REASON = "reason";
    private static final String RECORD = "record";
    private static final String DUPLICATE_RANK = "_kindling_duplicate_rank";

    /** The source as its options give it, built once: its schema is parsed here. */
    private Source built;
    /** The source as checked by validate: with the columns known before Spark starts. */
    private Source checkedSource;

    /** What to do with rows whose --key an earlier row already has. */
    public enum DuplicatePolicy {
        KEEP, DROP, FAIL;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Option(names = "--source", required = true, paramLabel = "PATH|TABLE|URL",
            description = "A path (local, hdfs://, s3a://...), a Hive table (db.table) or a JDBC URL; credentials come from KINDLING_JDBC_USER and KINDLING_JDBC_PASSWORD.")
    String source;

    @Option(names = "--format", required = true, paramLabel = "FORMAT",
            description = "One of: ${COMPLETION-CANDIDATES}.")
    Source.Format format;

    @Option(names = "--schema", paramLabel = "DDL",
            description = "Schema of CSV or JSON records, e.g. 'id INT, name STRING', matched to a CSV header's columns and to JSON keys by name; a record that does not fit it is quarantined. Default: inferred, which reads the input one extra time.")
    String schema;

    @Option(names = "--extra-keys", defaultValue = "fail", paramLabel = "POLICY",
            description = "JSON with --schema: fail (a key of the first " + Source.JSON_RECORDS_CHECKED + " records of a file that no --schema column binds is bad input, exit 2) or ignore (its values are dropped)."
                    + " Columns bind to keys of their exact name, or of another case when only one key matches; a column that is a key of no record read is exit 2. Default: ${DEFAULT-VALUE}.")
    Source.ExtraKeys extraKeys;

    @Mixin
    CsvOptions csv = new CsvOptions();

    @Mixin
    ChecksOption checks = new ChecksOption();

    @Option(names = "--jdbc-table", paramLabel = "TABLE", description = "The table to read with --format jdbc.")
    String jdbcTable;

    @Writes(Writes.Kind.HIVE)
    @Option(names = "--target", required = true, paramLabel = "DB.TABLE", converter = TableName.Converter.class,
            description = "The Iceberg table to write (db.table); created, partitioned by the partition column, if missing. Rejected rows go to <target>_quarantine.")
    TableName target;

    @Option(names = "--partition-column", defaultValue = "ds", paramLabel = "COLUMN",
            description = "The target's partition column; its value is the logical date. Default: ${DEFAULT-VALUE}.")
    String partitionColumn;

    @Option(names = "--key", split = ",", paramLabel = "COLUMN",
            description = "Columns that identify a record (comma-separated); rows with a null key are quarantined and duplicates are counted.")
    List<String> key = new ArrayList<>();

    @Option(names = "--on-duplicate", defaultValue = "keep", paramLabel = "POLICY",
            description = "keep, drop (keep the first row of each key) or fail (exit 3). Default: ${DEFAULT-VALUE}.")
    DuplicatePolicy onDuplicate;

    @Option(names = "--schema-evolution", defaultValue = "none", paramLabel = "POLICY", converter = SchemaEvolution.Converter.class,
            description = "none (a source whose columns differ from the existing target's is bad input, exit 2, with the difference) or add-columns (new source columns are added to the target, nullable; Parquet files of different columns are read together,"
                    + " a column a file lacks null in its rows: without it they are bad input). Default: ${DEFAULT-VALUE}.")
    SchemaEvolution schemaEvolution;

    @Option(names = "--allow-empty",
            description = "Publish an empty partition when the source has no rows (otherwise that is a data-quality failure, exit 3).")
    boolean allowEmpty;

    @Option(names = "--max-bad-ratio", defaultValue = "0.01", paramLabel = "RATIO", converter = PlainDecimal.class,
            description = "Fail with exit 3, publishing nothing, when more than this share of rows is quarantined (0 to 1). Default: ${DEFAULT-VALUE}.")
    double maxBadRatio;

    @Override
    public void checkOptions() {
        if (!TableName.isIdentifier(partitionColumn)) {
            throw new InvalidInputException("--partition-column '" + abbreviated(partitionColumn) + "' is not a column name (letters, digits, '_')");
        }
        for (String column : key) {
            if (!TableName.isIdentifier(column)) {
                throw new InvalidInputException("--key column '" + abbreviated(column) + "' is not a column name (letters, digits, '_')");
            }
        }
        if (!(maxBadRatio >= 0 && maxBadRatio <= 1)) {
            throw new InvalidInputException("--max-bad-ratio " + maxBadRatio + " is out of range: use a number from 0 to 1, e.g. 0.01 for 1%");
        }
        if (onDuplicate != DuplicatePolicy.KEEP && key.isEmpty()) {
            throw new InvalidInputException("--on-duplicate " + onDuplicate + " needs --key to say what a duplicate is");
        }
        if (schema != null && !(format == Source.Format.CSV || format == Source.Format.JSON)) {
            throw new InvalidInputException("--schema applies to csv and json sources only, not " + format);
        }
        if (extraKeys != Source.ExtraKeys.FAIL && format != Source.Format.JSON) {
            throw new InvalidInputException("--extra-keys applies to json sources only, not " + format);
        }
        if (csv.firstGiven() != null && format != Source.Format.CSV) {
            throw new InvalidInputException(csv.firstGiven() + " applies to csv sources only, not " + format);
        }
        built().checkOptions("--source");
    }

    private Source built() {
        if (built == null) {
            Source given = new Source(format, source, jdbcTable, schema, csv.dialect());
            // adding columns to the table is also what merges Parquet files of different columns
            given = schemaEvolution == SchemaEvolution.ADD_COLUMNS ? given.mergingFileColumns() : given;
            built = extraKeys == Source.ExtraKeys.IGNORE ? given.ignoringExtraKeys() : given;
        }
        return built;
    }

    @Override
    public void validate(Preflight preflight) {
        checkedSource = built().check(preflight, "--source");
        requireColumns(checkedSource.columns());
        checks.load();
    }

    /** Where the source's columns are known before Spark starts, --key and --partition-column are checked against them. */
    private void requireColumns(List<String> columns) {
        if (columns.isEmpty()) {
            return;
        }
        for (String column : key) {
            if (columns.stream().noneMatch(column::equalsIgnoreCase)) {
                throw new InvalidInputException("--key column '" + column + "' is not in the source; its columns are " + columns);
            }
        }
        if (columns.stream().anyMatch(partitionColumn::equalsIgnoreCase)) {
            throw new InvalidInputException("--partition-column '" + partitionColumn + "' is also a column of the source; name another partition column");
        }
    }

    private static String abbreviated(String value) {
        return value.length() <= 60 ? value : value.substring(0, 60) + "... (" + value.length() + " characters)";
    }

    @Override
    public void run(RunContext context) {
        JobMetrics metrics = context.metrics();
        Dataset<Row> raw = context.read(checkedSource);
        if (userColumns(raw).isEmpty()) {
            throw new DataQualityException("the source has no rows (and no header or --schema to take columns from); nothing was published");
        }
        if (schema == null && checkedSource.hasNoRows()) {
            // columns from a header alone: their types are Spark's guesses, not the data's, so nothing to publish
            throw new DataQualityException("the source has no rows; nothing was published (--allow-empty with --schema publishes an empty partition)");
        }
        requireKeyColumns(raw);
        CheckedRows checked = CheckedRows.check(raw, REASON, rejectionReason(raw));
        Dataset<Row> accepted = applyDuplicatePolicy(checked.accepted().drop(Source.CORRUPT_RECORD), metrics);

        String date = context.logicalDate().toString();
        StagedPartition staged = context.outputs().stagePartition(target, partitionColumn, date, accepted, schemaEvolution);

        if (context.dryRun()) {
            checks.enforce(context, target.toString(), staged.rows());
            staged.publish(); // prints what would be published; a dry run counts nothing
            return;
        }
        // Spark's own counts of the writes: every row read was written, quarantined or dropped as a duplicate.
        long read = staged.rowsRead();
        long written = staged.rowsWritten();
        metrics.set("rows_read", read);
        metrics.set("rows_written", written);
        if (read == 0 && !allowEmpty) {
            throw new DataQualityException("the source has no rows; nothing was published (--allow-empty publishes an empty partition)");
        }
        long quarantined = 0;
        Dataset<Row> rejects = checked.rejected().select(recordText(raw).as(RECORD), col(REASON));
        if (read > written) { // rejects, or duplicates dropped: only the quarantine write can tell how many of each
            Outputs.Quarantine quarantineWrite = staged.quarantine(rejects);
            quarantined = quarantineWrite.rows();
        }
        metrics.set("rows_quarantined", quarantined);
        if (read > 0 && quarantined > maxBadRatio * read) {
            throw new DataQualityException(String.format(Locale.ROOT,
                    "%d of %d rows (%.2f%%) were rejected (%s), above --max-bad-ratio %s; nothing was published, and the rejected rows were discarded with it",
                    quarantined, read, 100.0 * quarantined / read, reasons(rejects), maxBadRatio));
        }
        if (onDuplicate == DuplicatePolicy.FAIL && metrics.value("duplicates") > 0) {
            throw new DataQualityException(metrics.value("duplicates") + " rows repeat the --key " + String.join(",", key)
                    + " of an earlier row, and --on-duplicate is fail");
        }
        long dropped = onDuplicate == DuplicatePolicy.DROP ? metrics.value("duplicates") : 0;
        metrics.set("duplicates_dropped", dropped);
        if (read != written + quarantined + dropped) {
            throw new IllegalStateException(String.format(Locale.ROOT, "the row counts do not balance: %d read but %d written + %d quarantined + %d duplicates dropped;"
                    + " nothing was published", read, written, quarantined, dropped));
        }
        checks.enforce(context, target.toString(), staged.rows()); // exit 3 on a failed error check: the version is never published
        staged.publish();
        context.log().info("snapshot of {} into {} for {}: {} rows read, {} written, {} quarantined, {} duplicates",
                checkedSource.describe(), target, date, read, metrics.value("rows_written"), quarantined, metrics.value("duplicates"));
    }

    private void requireKeyColumns(Dataset<Row> raw) {
        List<String> columns = Arrays.asList(raw.columns());
        for (String column : key) {
            if (columns.stream().noneMatch(column::equalsIgnoreCase)) {
                throw new InvalidInputException("--key column '" + column + "' is not in the source; its columns are " + userColumns(raw));
            }
        }
    }

    /** Null for a usable row; otherwise why it goes to quarantine. */
    private Column rejectionReason(Dataset<Row> raw) {
        Column reason = null;
        if (Arrays.asList(raw.columns()).contains(Source.CORRUPT_RECORD)) {
            reason = when(col(Source.CORRUPT_RECORD).isNotNull(), lit("malformed record"));
        }
        for (String column : key) {
            Column missing = col(column).isNull();
            String why = "missing key column " + column;
            reason = reason == null ? when(missing, lit(why)) : reason.when(missing, lit(why));
        }
        return reason == null ? lit(null).cast("string") : reason;
    }

    /** How many rows were rejected for each reason, most first: a failed run keeps no quarantine, so its message tells why. */
    private static String reasons(Dataset<Row> rejects) {
        // counted over the record text: Spark refuses a query of a CSV's corrupt-record column alone
        return rejects.groupBy(REASON).agg(org.apache.spark.sql.functions.count(col(RECORD))).collectAsList().stream()
                .sorted(java.util.Comparator.comparingLong((Row r) -> -r.getLong(1)).thenComparing(r -> r.getString(0)))
                .map(r -> r.getString(0) + ": " + r.getLong(1))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** The text a person needs to fix a rejected record: its raw text, or its columns as JSON. */
    private static Column recordText(Dataset<Row> raw) {
        Column asJson = to_json(struct(userColumns(raw).stream().map(c -> col(c)).toArray(Column[]::new)));
        return Arrays.asList(raw.columns()).contains(Source.CORRUPT_RECORD) ? coalesce(col(Source.CORRUPT_RECORD), asJson) : asJson;
    }

    /** Counts rows whose key an earlier row has (earlier: ordered by the other columns, so reruns agree). */
    private Dataset<Row> applyDuplicatePolicy(Dataset<Row> rows, JobMetrics metrics) {
        if (key.isEmpty()) {
            metrics.set("duplicates", 0);
            return rows;
        }
        List<Column> order = new ArrayList<>();
        for (var field : rows.schema().fields()) {
            if (key.stream().noneMatch(field.name()::equalsIgnoreCase) && orderable(field.dataType())) {
                order.add(col(field.name()).asc_nulls_first());
            }
        }
        var window = Window.partitionBy(key.stream().map(c -> col(c)).toArray(Column[]::new))
                .orderBy(order.isEmpty() ? new Column[] {lit(1)} : order.toArray(Column[]::new));
        Dataset<Row> ranked = metrics.observe(rows.withColumn(DUPLICATE_RANK, row_number().over(window)),
                Map.of("duplicates", count_if(col(DUPLICATE_RANK).gt(1))));
        if (onDuplicate == DuplicatePolicy.DROP) {
            ranked = ranked.filter(col(DUPLICATE_RANK).equalTo(1));
        }
        return ranked.drop(DUPLICATE_RANK);
    }

    private static boolean orderable(DataType type) {
        return !(type instanceof MapType) && !type.simpleString().contains("map<");
    }

    private static List<String> userColumns(Dataset<Row> raw) {
        return Arrays.stream(raw.columns()).filter(c -> !c.equals(Source.CORRUPT_RECORD) && !c.equals(REASON)).toList();
    }
}
