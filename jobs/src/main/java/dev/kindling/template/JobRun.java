package dev.kindling.template;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import com.codahale.metrics.CsvReporter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * One run of one job, in the order data flows: settings, preflight, logs, metrics, Spark, the job,
 * outputs, the final metrics report. Maps the outcome to an {@link ExitCode}.
 */
final class JobRun {

    /** AIRFLOW_CTX_* variables that Airflow exports to the task and that go into every log line. */
    private static final Map<String, String> AIRFLOW_FIELDS = Map.of(
            "AIRFLOW_CTX_DAG_ID", "dag_id",
            "AIRFLOW_CTX_TASK_ID", "task_id",
            "AIRFLOW_CTX_TRY_NUMBER", "try_number",
            "AIRFLOW_CTX_DAG_RUN_ID", "dag_run_id");
    /** How long the shutdown hook waits for the main thread's cleanup before the final report. */
    private static final long CLEANUP_GRACE_MS = 3_000;

    private final String name;
    private final Job job;
    private final CommonOptions common;
    private final Map<String, String> environment;
    private final SparkSessionProvider sessions;
    private final UnaryOperator<Outputs> outputsSeam;
    private final PrintStream out;
    private final PrintStream err;

    JobRun(String name, Job job, CommonOptions common, Map<String, String> environment,
           SparkSessionProvider sessions, UnaryOperator<Outputs> outputsSeam, PrintStream out, PrintStream err) {
        this.name = name;
        this.outputsSeam = outputsSeam;
        this.job = job;
        this.common = common;
        this.environment = environment;
        this.sessions = sessions;
        this.out = out;
        this.err = err;
    }

    int execute() {
        Settings resolved;
        try {
            resolved = Settings.resolve(common.env(), common.conf(), environment);
            job.checkOptions();
            Preflight preflight = new Preflight(resolved, environment);
            job.validate(preflight);
            preflight.requireMetastore();
        } catch (InvalidInputException e) {
            err.println("kindling " + name + ": error: " + e.getMessage());
            return ExitCode.BAD_USAGE.code;
        } catch (InputUnavailableException e) {
            err.println("kindling " + name + ": failed: " + e.getMessage());
            return ExitCode.JOB_FAILED.code;
        }

        Map<String, String> fields = runFields(resolved);
        Logs.configure(resolved, fields);
        Logger log = LogManager.getLogger("dev.kindling.run");
        long started = System.currentTimeMillis();
        JobMetrics metrics = new JobMetrics();
        String prefix = MetricPath.path(resolved.get("metrics.prefix")) + "." + MetricPath.segment(name);
        Settings derived = resolved.withDefaults(sparkGraphiteSink(resolved, prefix));
        SparkConf submitted = new SparkConf();
        Optional<Lineage> lineage = common.dryRun() ? Optional.empty() : Lineage.of(derived, name, submitted, Lineage.Output.of(job));
        Settings settings = lineage.map(l -> derived.withWinning(l.sparkSettings(submitted))).orElse(derived);
        GraphiteReporting graphite = common.dryRun() ? null : GraphiteReporting.startIfConfigured(settings, prefix, metrics.registry());
        log.info("starting {} for {} (run {}, env {}{})", name, common.logicalDate(), common.runId(), settings.env(), common.dryRun() ? ", dry run" : "");
        lineage.ifPresent(run -> log.info("lineage: OpenLineage run {} of {} in namespace {}", run.runId(), name, settings.get("lineage.namespace")));

        ShutdownSignal.watch();
        CountDownLatch runEnded = new CountDownLatch(1);
        Thread onKill = new Thread(() -> {
            awaitCleanup(runEnded);
            if (ShutdownSignal.exitCode().isPresent()) {
                finish(settings, log, metrics, graphite, lineage, fields, Map.of(), started, ExitCode.INTERRUPTED, "interrupted by " + ShutdownSignal.describe());
                return; // the JVM ends with 128 + the signal's number, as reported
            }
            // System.exit during the run (from the job, a library, or an expression that reached Java): its status,
            // 0 say, would read success; the process ends with the failure it reports instead
            finish(settings, log, metrics, graphite, lineage, fields, Map.of(), started, ExitCode.JOB_FAILED,
                    "the JVM was shut down during the run without a signal: System.exit from the job or a library");
            RunOutcome.record(System.getProperty(RunOutcome.FILE_SETTING), ExitCode.JOB_FAILED.code, err);
            Runtime.getRuntime().halt(ExitCode.JOB_FAILED.code);
        }, "kindling-on-kill");
        Runtime.getRuntime().addShutdownHook(onKill);
        ExitCode outcome = ExitCode.JOB_FAILED;
        String detail = "";
        SparkSession spark = null;
        RunOutputs outputs = null;
        try {
            spark = sessions.open(settings, "kindling-" + name);
            // Spark may load its own log4j profile while its context starts (it does with
            // spark.log.structuredLogging.enabled): Kindling's layout must stay in force.
            Logs.configure(settings, fields);
            outputs = common.dryRun() ? new DryRunOutputs(spark, out) : new SparkOutputs(spark, metrics, log, fields);
            job.run(new RunContext(name, common, settings, spark, metrics, log, outputsSeam.apply(outputs), environment, out));
            outcome = ExitCode.SUCCESS;
        } catch (InvalidInputException e) {
            outcome = ExitCode.BAD_USAGE;
            detail = e.getMessage();
            err.println("kindling " + name + ": error: " + detail);
        } catch (DataQualityException e) {
            outcome = ExitCode.DATA_QUALITY_FAILED;
            detail = e.getMessage();
            err.println("kindling " + name + ": data quality check failed: " + detail);
        } catch (Exception | LinkageError e) {
            if (ShutdownSignal.exitCode().isPresent()) {
                // a signal is ending the JVM and Spark was stopped under the job: the shutdown hook tells the outcome
                outcome = ExitCode.INTERRUPTED;
            } else {
                detail = e.getClass().getSimpleName() + ": " + firstLine(e.getMessage());
                log.error("{} failed", name, e);
                err.println("kindling " + name + ": failed: " + detail);
            }
        } finally {
            if (outputs != null) {
                outputs.close();
            }
            if (outcome != ExitCode.SUCCESS && !detail.isEmpty()) {
                log.error("{} ended with exit code {}: {}", name, outcome.code, detail);
            }
            runEnded.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onKill);
                finish(settings, log, metrics, graphite, lineage, fields, outputs == null ? Map.of() : outputs.published(), started, outcome, "");
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting; the hook reports
            }
            if (spark != null) {
                sessions.close(spark);
            }
        }
        return outcome.code;
    }

    /** Gives the main thread a moment to discard its staging, so that the final report is the run's last line (Spark's own threads may still log as its hook stops them). */
    private static void awaitCleanup(CountDownLatch runEnded) {
        try {
            runEnded.await(CLEANUP_GRACE_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The outcome told once: metrics, the last log line and (for a signal, 128 + its number) the exit status agree. */
    private void finish(Settings settings, Logger log, JobMetrics metrics, GraphiteReporting graphite, Optional<Lineage> lineage,
                        Map<String, String> fields, Map<String, Long> published, long started, ExitCode outcome, String why) {
        int code = outcome == ExitCode.INTERRUPTED ? ShutdownSignal.exitCode().orElse(outcome.code) : outcome.code;
        long now = System.currentTimeMillis();
        metrics.set("duration_ms", now - started);
        metrics.set("success", outcome == ExitCode.SUCCESS ? 1 : 0);
        metrics.set("failed", outcome == ExitCode.SUCCESS ? 0 : 1);
        metrics.set("exit_code", code);
        metrics.set("quality_check_failed", outcome == ExitCode.DATA_QUALITY_FAILED ? 1 : 0);
        if (outcome == ExitCode.SUCCESS) {
            metrics.set("last_success_timestamp", now / 1000);
        }
        // before the final line, which stays the run's last
        lineage.ifPresent(run -> run.finish(code, metrics.snapshot(), fields, published, log));
        log.info("{} finished: exit code {}{} {}", name, code, why.isEmpty() ? "" : " (" + why + ")", metrics.snapshot());
        if (graphite != null) {
            graphite.finish(log);
        }
        if (settings.isSet("metrics.csv.dir") && !common.dryRun()) {
            writeCsv(metrics, Path.of(settings.get("metrics.csv.dir"), name), log);
        }
    }

    /** Dropwizard's CsvReporter: one file per metric, a line per run, for runs without Graphite. */
    private static void writeCsv(JobMetrics metrics, Path dir, Logger log) {
        try {
            Files.createDirectories(dir);
            CsvReporter.forRegistry(metrics.registry()).formatFor(Locale.ROOT).build(dir.toFile()).report();
        } catch (IOException | RuntimeException e) {
            log.warn("metrics: could not write CSV metrics to {}: {}", dir, e.toString());
        }
    }

    /**
     * With metrics.spark.sink=true, Spark's own GraphiteSink reports driver and executor metrics (JVM,
     * stages) beside the job's: {@code <prefix>.<job>.spark.<driver|executor id>.<source>...}.
     */
    static Map<String, String> sparkGraphiteSink(Settings settings, String prefix) {
        if (!settings.get("metrics.spark.sink").equals("true") || !settings.isSet("graphite.host")) {
            return Map.of();
        }
        String sink = "spark.metrics.conf.*.sink.graphite.";
        return Map.of(
                sink + "class", "org.apache.spark.metrics.sink.GraphiteSink",
                sink + "host", settings.get("graphite.host"),
                sink + "port", settings.get("graphite.port"),
                sink + "period", String.valueOf(Math.max(1, settings.integer("metrics.period.seconds", 0, 86_400))),
                sink + "unit", "seconds",
                sink + "prefix", prefix,
                "spark.metrics.conf.*.source.jvm.class", "org.apache.spark.metrics.source.JvmSource",
                "spark.metrics.namespace", "spark");
    }

    private Map<String, String> runFields(Settings settings) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("job", name);
        fields.put("run_id", common.runId());
        fields.put("logical_date", common.logicalDate().toString());
        fields.put("env", settings.env());
        AIRFLOW_FIELDS.forEach((variable, field) -> {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                fields.put(field, value);
            }
        });
        return fields;
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }
}
