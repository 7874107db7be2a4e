package dev.kindling.template;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias;
import org.apache.spark.sql.catalyst.plans.logical.View;
import org.apache.spark.sql.execution.CollectMetricsExec;
import org.apache.spark.sql.execution.EmptyRelationExec;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.apache.spark.sql.execution.adaptive.QueryStageExec;
import org.apache.spark.sql.execution.command.DataWritingCommandExec;
import org.apache.spark.sql.execution.datasources.InsertIntoHadoopFsRelationCommand;
import org.apache.spark.sql.execution.datasources.v2.V2ExistingTableWriteExec;
import org.apache.spark.sql.execution.exchange.ReusedExchangeExec;
import org.apache.spark.sql.execution.metric.SQLMetric;
import org.apache.spark.sql.util.QueryExecutionListener;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Row counts of the template's writes, taken from the SQL metrics Spark keeps for every query: the
 * rows its source scans produced and the rows the write command wrote. Unlike {@code Dataset.observe},
 * this adds nothing to the plan, so the rows stay in Spark's generated code.
 */
final class WriteCounts implements QueryExecutionListener, AutoCloseable {

    /** Rows one write read from its sources and wrote. */
    record Count(long rowsRead, long rowsWritten) {
    }

    /** The observation that counts what a derived source (a view) yields, where its leaves' counts would not add up. */
    static final String INPUT_ROWS = "kindling_input_rows";

    /** Keys of expected table writes start with this; those of file writes are qualified paths. */
    private static final String TABLE = "table:";
    private static final String EXCLUDED_RULES = "spark.sql.adaptive.optimizer.excludedRules";
    private static final String KEEP_EMPTY_STAGES = "org.apache.spark.sql.execution.adaptive.AQEPropagateEmptyRelation";

    private final SparkSession spark;
    private final Map<String, CompletableFuture<Count>> expected = new ConcurrentHashMap<>();

    WriteCounts(SparkSession spark) {
        this.spark = spark;
        spark.listenerManager().register(this);
    }

    /**
     * Runs a write to {@code output} and returns its counts. Spark reports a finished query to its
     * listeners on its listener bus, just after the action returns: wait for that, never forever.
     */
    Count countWrite(Path output, Runnable write, Duration timeout) {
        return await(qualified(output), output, write, timeout);
    }

    private Count await(String key, Object output, Runnable write, Duration timeout) {
        CompletableFuture<Count> count = new CompletableFuture<>();
        expected.put(key, count);
        String excluded = spark.conf().contains(EXCLUDED_RULES) ? spark.conf().get(EXCLUDED_RULES) : null;
        try {
            // Adaptive execution would replace everything above a stage that produced no rows (every row
            // rejected, say) by an empty relation, and the scans' counts would go with it.
            spark.conf().set(EXCLUDED_RULES, excluded == null || excluded.isBlank() ? KEEP_EMPTY_STAGES : excluded + "," + KEEP_EMPTY_STAGES);
            write.run();
            return count.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the row counts of the write to " + output + " are unknown: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Spark did not report the row counts of the write to " + output + " within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the row counts of the write to " + output, e);
        } finally {
            expected.remove(key);
            if (excluded == null) {
                spark.conf().unset(EXCLUDED_RULES);
            } else {
                spark.conf().set(EXCLUDED_RULES, excluded);
            }
        }
    }

    /**
     * Runs a write into the Iceberg table {@code table} (db.table) and returns the rows its sources read.
     * The rows it wrote are not Spark's to tell here: the commit's summary has them exactly, so this
     * count's {@code rowsWritten} is -1.
     */
    Count countTableWrite(String table, Runnable write, Duration timeout) {
        return await(TABLE + table.toLowerCase(Locale.ROOT), table, write, timeout);
    }

    @Override
    public void onSuccess(String action, QueryExecution execution, long durationNs) {
        SparkPlan plan = unwrapped(execution.executedPlan());
        if (plan instanceof DataWritingCommandExec write && write.cmd() instanceof InsertIntoHadoopFsRelationCommand insert) {
            complete(expected.get(insert.outputPath().toString()), () -> new Count(rowsFromSources(write.child()), outputRows(write)));
        } else if (plan instanceof V2ExistingTableWriteExec write) {
            // Iceberg's write shows itself as IcebergWrite(table=catalog.db.table, format=...): db.t must not match db.t_quarantine
            String written = write.write().toString().toLowerCase(Locale.ROOT);
            expected.forEach((key, count) -> {
                if (key.startsWith(TABLE) && written.contains("." + key.substring(TABLE.length()) + ",")) {
                    complete(count, () -> new Count(rowsFromSources(write.query()), -1));
                }
            });
        }
    }

    private static void complete(CompletableFuture<Count> count, java.util.function.Supplier<Count> counted) {
        if (count != null) {
            try {
                count.complete(counted.get());
            } catch (RuntimeException unknown) {
                count.completeExceptionally(unknown);
            }
        }
    }

    @Override
    public void onFailure(String action, QueryExecution execution, Exception exception) {
        // a failed write throws in the job's thread; nothing to count
    }

    @Override
    public void close() {
        spark.listenerManager().unregister(this);
    }

    /** The plan that ran under adaptive execution's wrappers (its final plan, a stage's plan). */
    private static SparkPlan unwrapped(SparkPlan plan) {
        if (plan instanceof AdaptiveSparkPlanExec adaptive) {
            return unwrapped(adaptive.executedPlan());
        }
        if (plan instanceof QueryStageExec stage) {
            return unwrapped(stage.plan());
        }
        return plan;
    }

    /**
     * A source as the job reads it. A table is read by one scan, whose rows the write's plan counts; a
     * view may join, filter or aggregate, so its scans' rows say nothing of the rows it yields: those
     * are counted where the view's rows leave it (one observation, at the cost of a split in Spark's
     * generated code, for views only).
     */
    static org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> countedAsInput(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> source) {
        LogicalPlan plan = source.queryExecution().analyzed();
        while (plan instanceof SubqueryAlias || plan instanceof View || plan instanceof Project) {
            plan = plan.children().head();
        }
        if (plan.children().isEmpty()) {
            return source;
        }
        return source.observe(INPUT_ROWS, org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.lit(1)).as("rows"));
    }

    /** The rows the plan's sources produced: each scan's (a leaf of the plan), or a derived source's own count. */
    private static long rowsFromSources(SparkPlan wrapped) {
        SparkPlan plan = unwrapped(wrapped);
        if (plan instanceof CollectMetricsExec input && INPUT_ROWS.equals(input.name())) {
            return input.collectedMetrics().getLong(0);
        }
        if (plan instanceof ReusedExchangeExec) {
            return 0; // counted where it was first computed
        }
        if (plan instanceof EmptyRelationExec) {
            throw new IllegalStateException("Spark replaced a part of the write by an empty relation: the rows its sources read are unknown");
        }
        var children = CollectionConverters.asJava(plan.children());
        if (children.isEmpty()) {
            return outputRows(plan);
        }
        return children.stream().mapToLong(WriteCounts::rowsFromSources).sum();
    }

    /** A count Spark did not keep is unknown, never 0. */
    private static long outputRows(SparkPlan plan) {
        SQLMetric rows = CollectionConverters.asJava(plan.metrics()).get("numOutputRows");
        if (rows == null) {
            throw new IllegalStateException("Spark kept no row count for " + plan.nodeName() + ": rows read or written are unknown");
        }
        return rows.value();
    }

    private String qualified(Path path) {
        try {
            return path.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(path).toString();
        } catch (IOException e) {
            return path.toString();
        }
    }
}
