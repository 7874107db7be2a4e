package dev.kindling.template;

import java.io.PrintStream;
import java.time.LocalDate;
import java.util.Map;

import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** What the template hands a job's {@code run}: everything it may use, built once per run. */
public final class RunContext {

    private final String job;
    private final LocalDate logicalDate;
    private final String runId;
    private final boolean dryRun;
    private final Settings settings;
    private final SparkSession spark;
    private final JobMetrics metrics;
    private final Logger log;
    private final Outputs outputs;
    private final Map<String, String> environment;
    private final PrintStream out;

    RunContext(String job, CommonOptions common, Settings settings, SparkSession spark, JobMetrics metrics,
               Logger log, Outputs outputs, Map<String, String> environment, PrintStream out) {
        this.job = job;
        this.logicalDate = common.logicalDate();
        this.runId = common.runId();
        this.dryRun = common.dryRun();
        this.settings = settings;
        this.spark = spark;
        this.metrics = metrics;
        this.log = log;
        this.outputs = outputs;
        this.environment = environment;
        this.out = out;
    }

    public String job() {
        return job;
    }

    public LocalDate logicalDate() {
        return logicalDate;
    }

    public String runId() {
        return runId;
    }

    public boolean dryRun() {
        return dryRun;
    }

    public Settings settings() {
        return settings;
    }

    public SparkSession spark() {
        return spark;
    }

    public JobMetrics metrics() {
        return metrics;
    }

    public Logger log() {
        return log;
    }

    public Outputs outputs() {
        return outputs;
    }

    /** Where a dry run prints what it would do. */
    PrintStream out() {
        return out;
    }

    /** Reads a source (lazily, as Spark does); credentials come from the environment. */
    public Dataset<Row> read(Source source) {
        log.info("reading {}", source.describe());
        if (dryRun) {
            out.println("dry run: would read " + source.describe());
        }
        return source.read(spark, environment);
    }
}
