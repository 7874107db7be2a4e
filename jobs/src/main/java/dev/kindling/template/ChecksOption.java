package dev.kindling.template;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import dev.kindling.checks.Check;
import dev.kindling.checks.CheckFile;
import dev.kindling.checks.CheckResult;
import dev.kindling.checks.History;
import dev.kindling.checks.Verifier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Option;

/**
 * {@code --checks PATH} for any job: data-quality checks (a YAML or JSON check file) evaluated on the
 * rows a job is about to publish. Mix it in with {@code @Mixin}, {@link #load} it in {@code validate}
 * (a bad file is exit 2 before Spark starts) and {@link #enforce} it before the publish: a failed error
 * check is exit 3, and the job publishes nothing.
 */
public final class ChecksOption {

    @Option(names = "--checks", paramLabel = "PATH",
            description = "A check file (.yaml, .yml or .json) whose checks run on the rows before they are published; a failed error check is exit 3 and nothing is published.")
    String path;

    private List<Check> checks;

    public boolean given() {
        return path != null;
    }

    /** Reads and validates the check file (no Spark): exit 2 for a file that does not exist or a check that is not allowed. */
    public List<Check> load() {
        if (checks == null) {
            if (path == null) {
                checks = List.of();
            } else {
                CheckFile.Contents contents = CheckFile.read("--checks", Path.of(path));
                if (contents.allowEmpty()) {
                    throw new InvalidInputException("--checks " + path + ": allow_empty applies to verify; a job that publishes takes --allow-empty");
                }
                checks = contents.checks();
            }
        }
        return checks;
    }

    /**
     * Evaluates the checks on rows (a column a check names that the rows lack is exit 2), logs a line
     * per check and a summary, reports the metrics, and fails with exit 3 when an error check failed.
     * A dry run checks the columns and prints what it would check.
     */
    public List<CheckResult> enforce(RunContext context, String table, Dataset<Row> rows) {
        if (!given()) {
            return List.of();
        }
        Verifier verifier = verifier(context);
        if (context.dryRun()) {
            verifier.requireColumns(table, rows, load());
            context.out().println("dry run: would check " + table + ": " + load().stream().map(Check::name).collect(Collectors.joining(", ")));
            return List.of();
        }
        List<CheckResult> results = verifier.evaluate(table, rows, load());
        report(context, table, results);
        requirePassed(table, results);
        return results;
    }

    /** The verifier of a run: the logical date, and the history table its settings name. */
    public static Verifier verifier(RunContext context) {
        return new Verifier(context.spark(), context.logicalDate(), new History(context.spark(), context.settings().get("quality.history.table")));
    }

    /** One log line per result, then the summary; metrics {@code checks.<name>.status} (0 pass, 1 warn, 2 fail) and its counts. */
    public static void report(RunContext context, String table, List<CheckResult> results) {
        JobMetrics metrics = context.metrics();
        for (CheckResult result : results) {
            String line = result.line(table);
            if (result.status() == CheckResult.Status.PASS) {
                context.log().info(line);
            } else {
                context.log().warn(line);
            }
            String prefix = "checks." + result.check().name() + ".";
            metrics.set(prefix + "status", result.status().level());
            result.counts().forEach((name, value) -> metrics.set(prefix + name, value));
        }
        long passed = count(results, CheckResult.Status.PASS);
        long warned = count(results, CheckResult.Status.WARN);
        long failed = count(results, CheckResult.Status.FAIL);
        metrics.set("checks_passed", passed);
        metrics.set("checks_warned", warned);
        metrics.set("checks_failed", failed);
        context.log().info("checks of {} for {}: {} passed, {} warned, {} failed", table, context.logicalDate(), passed, warned, failed);
    }

    /** Exit 3 naming the failed error checks, if any. */
    public static void requirePassed(String table, List<CheckResult> results) {
        List<CheckResult> failed = results.stream().filter(r -> r.status() == CheckResult.Status.FAIL).toList();
        if (!failed.isEmpty()) {
            throw new DataQualityException(failed.size() + " error check" + (failed.size() == 1 ? "" : "s") + " failed on " + table + ": "
                    + failed.stream().map(r -> r.check().name() + " (" + r.message() + ")").collect(Collectors.joining("; ")));
        }
    }

    private static long count(List<CheckResult> results, CheckResult.Status status) {
        return results.stream().filter(r -> r.status() == status).count();
    }
}
