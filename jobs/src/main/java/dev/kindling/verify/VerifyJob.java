package dev.kindling.verify;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import dev.kindling.checks.Check;
import dev.kindling.checks.CheckFile;
import dev.kindling.checks.CheckResult;
import dev.kindling.checks.History;
import dev.kindling.checks.Verifier;
import dev.kindling.template.ChecksOption;
import dev.kindling.template.DataQualityException;
import dev.kindling.template.InvalidInputException;
import dev.kindling.template.Job;
import dev.kindling.template.Outputs.StagedPartition;
import dev.kindling.template.Preflight;
import dev.kindling.template.RunContext;
import dev.kindling.template.SchemaEvolution;
import dev.kindling.template.TableName;
import dev.kindling.template.Writes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs a check file's data-quality checks on one logical date's partition of a Hive table (or the
 * whole table) and records one result row per check in the history table's partition of that date;
 * a rerun of the date replaces them. A failed error check is exit 3, after the results are recorded.
 */
@Command(name = "verify",
        description = "Run data-quality checks on a Hive table's logical-date partition (or the whole table) and record the results in the history table.")
public final class VerifyJob implements Job {

    @Writes(Writes.Kind.VERIFIED)
    @Option(names = "--table", required = true, paramLabel = "DB.TABLE", converter = TableName.Converter.class,
            description = "The table to check (names are case-insensitive: one table, one history).")
    TableName table;

    @Option(names = "--checks", required = true, paramLabel = "PATH", description = "The check file: .yaml, .yml or .json (see the README).")
    String checksFile;

    @Option(names = "--partition-column", defaultValue = "ds", paramLabel = "COLUMN",
            description = "The table's partition column; the logical date's partition is checked. Default: ${DEFAULT-VALUE}.")
    String partitionColumn;

    @Option(names = "--whole-table", description = "Check every row of the table, not only the logical date's partition.")
    boolean wholeTable;

    private CheckFile.Contents checkFile;

    @Override
    public void checkOptions() {
        if (!TableName.isIdentifier(partitionColumn)) {
            throw new InvalidInputException("--partition-column '" + partitionColumn + "' is not a column name (letters, digits, '_')");
        }
    }

    @Override
    public void validate(Preflight preflight) {
        preflight.requireTable("--table", table);
        checkFile = CheckFile.read("--checks", Path.of(checksFile));
    }

    @Override
    public void run(RunContext context) {
        String table = this.table.toString();
        if (!context.spark().catalog().tableExists(table)) {
            throw new InvalidInputException("--table '" + table + "' does not exist");
        }
        Dataset<Row> all = context.spark().table(table);
        Dataset<Row> rows = all;
        String date = context.logicalDate().toString();
        if (!wholeTable) {
            if (Arrays.stream(all.columns()).noneMatch(partitionColumn::equalsIgnoreCase)) {
                throw new InvalidInputException("--partition-column '" + partitionColumn + "' is not a column of " + table
                        + "; name its partition column, or check it all with --whole-table");
            }
            rows = all.where(col(partitionColumn).equalTo(lit(date)));
        }
        String checked = wholeTable ? table : table + " partition " + partitionColumn + "=" + date;
        List<Check> checks = checkFile.checks();
        Verifier verifier = ChecksOption.verifier(context);
        verifier.requireColumns(table, rows, checks); // exit 2 before anything is evaluated or written
        History history = verifier.history();

        if (!context.dryRun() && !checkFile.allowEmpty() && rows.isEmpty()) {
            // a share of no rows is 0: every completeness, range or pattern check would pass on nothing
            throw new DataQualityException(checked + " has no rows (missing or empty): nothing was verified or recorded"
                    + " (allow_empty: true in the check file verifies an empty " + (wholeTable ? "table" : "partition") + ")");
        }
        List<CheckResult> results = context.dryRun() ? List.of() : verifier.evaluate(table, rows, checks);
        if (context.dryRun()) {
            context.log().info("dry run: would check {}: {}", checked, checks.stream().map(Check::name).collect(Collectors.joining(", ")));
        } else {
            ChecksOption.report(context, checked, results);
        }
        StagedPartition staged = context.outputs().stagePartition(history.table(), History.partition(table, context.logicalDate()),
                history.rows(results, context.runId()), SchemaEvolution.NONE);
        context.metrics().set("rows_read", staged.rowsRead());
        context.metrics().set("rows_written", staged.rowsWritten());
        staged.publish();
        ChecksOption.requirePassed(checked, results);
    }
}
