package dev.kindling.template;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.kindling.dsl.publish.Difference;
import dev.kindling.dsl.publish.IcebergSql;
import dev.kindling.dsl.publish.StagedTable;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.DataFrameWriterV2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Outputs on Spark's catalog. A partition is written into an Iceberg table as a staged snapshot that
 * readers do not see, audited by the job (counts, checks), then published by one Iceberg commit
 * ({@link IcebergTables#replacePartition}); its rejected rows go the same way into the table's
 * quarantine table, {@code <table>_quarantine}. Readers see a partition's old rows or its new, and
 * a query keeps the snapshot it started on: Iceberg deletes no file a snapshot still references.
 */
final class SparkOutputs implements RunOutputs {

    /** The quarantine table of {@code db.t} is {@code db.t_quarantine}: the rejected records of each partition, with why. */
    static final String QUARANTINE_SUFFIX = "_quarantine";
    /** How long to wait for Spark to report a finished write's counts and observations. */
    private static final Duration SPARK_REPORT_TIMEOUT = Duration.ofSeconds(10);

    private final SparkSession spark;
    private final JobMetrics metrics;
    private final Logger log;
    /** What each of this run's commits records in its snapshot summary: job, run, logical date, env, Airflow's task. */
    private final Map<String, String> commitSummary;
    private final String runToken;
    private final List<IcebergPartition> unpublished = new ArrayList<>();
    private final Map<String, Long> published = new java.util.concurrent.ConcurrentHashMap<>();
    private final WriteCounts counts;

    SparkOutputs(SparkSession spark, JobMetrics metrics, Logger log, Map<String, String> runFields) {
        this.spark = spark;
        this.metrics = metrics;
        this.log = log;
        Map<String, String> summary = new LinkedHashMap<>();
        runFields.forEach((field, value) -> summary.put("kindling." + field, value));
        this.commitSummary = Map.copyOf(summary);
        this.runToken = runFields.getOrDefault("run_id", "run").replaceAll("[^A-Za-z0-9._-]", "_");
        this.counts = new WriteCounts(spark);
    }

    @Override
    public StagedPartition stagePartition(String target, Partition partition, Dataset<Row> rows, SchemaEvolution evolution) {
        TableName table = PartitionTables.outputTable(target);
        PartitionTables.Fit fit = PartitionTables.fitToTable(spark, table.toString(), partition, rows, evolution);
        IcebergPartition staged = new IcebergPartition(table, partition, fit);
        unpublished.add(staged);
        staged.stage(fit.rows());
        return staged;
    }

    /** One partition of one table as this run stages, audits and publishes it. */
    private final class IcebergPartition implements StagedPartition {
        private final String table;
        private final String quarantine;
        private final Partition partition;
        private final StructType schema;
        private final List<StructField> addedColumns;
        private boolean createdTable;
        private Staged rows;
        private Staged rejects;
        private boolean published;

        private final boolean tableExists;

        IcebergPartition(TableName table, Partition partition, PartitionTables.Fit fit) {
            this.table = table.toString();
            this.quarantine = table.withSuffix(QUARANTINE_SUFFIX).toString();
            this.partition = partition;
            this.schema = fit.rows().schema();
            this.addedColumns = List.copyOf(fit.newColumns());
            this.tableExists = fit.tableExists();
        }

        private String spec() {
            return partition.toString();
        }

        void stage(Dataset<Row> ordered) {
            // fitting the rows to the table already looked it up (and refused a table of another kind)
            createdTable = !tableExists && createIfMissing(table, schema, partition);
            if (!addedColumns.isEmpty()) { // --schema-evolution add-columns: Iceberg writes only columns its table has
                spark.sql("ALTER TABLE " + table + " ADD COLUMNS (" + SchemaDiff.columns(addedColumns) + ")");
                log.info("added columns {} to {} (dropped again if this run does not publish)", SchemaDiff.columns(addedColumns), table);
            }
            rows = stageRows(table, ordered);
            metrics.collectObservations(SPARK_REPORT_TIMEOUT);
        }

        /** Writes rows into this partition of target as a staged snapshot, with the rows its sources read. */
        private Staged stageRows(String target, Dataset<Row> staging) {
            Table iceberg = IcebergTables.load(spark, target);
            IcebergTables.enableStaging(iceberg, log);
            Long basedOn = iceberg.currentSnapshot() == null ? null : iceberg.currentSnapshot().snapshotId();
            String wapId = runToken + "-" + UUID.randomUUID();
            log.info("writing {} partition {} to staging: an Iceberg snapshot with WAP id {}, unseen until published", target, spec(), wapId);
            WriteCounts.Count count = counts.countTableWrite(target, () -> {
                spark.conf().set(IcebergTables.WAP_ID, wapId);
                try {
                    Dataset<Row> partitioned = staging;
                    for (Map.Entry<String, String> value : partition.values().entrySet()) {
                        partitioned = partitioned.withColumn(value.getKey(), functions.lit(value.getValue()));
                    }
                    DataFrameWriterV2<Row> writer = partitioned.writeTo(target);
                    writer.overwritePartitions();
                } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException dropped) {
                    throw new IllegalStateException("table " + target + " was dropped while this run was writing it", dropped);
                } finally {
                    spark.conf().unset(IcebergTables.WAP_ID);
                }
            }, SPARK_REPORT_TIMEOUT);
            iceberg.refresh();
            Optional<Snapshot> staged = IcebergTables.staged(iceberg, wapId);
            long written = staged.isPresent() ? IcebergTables.summaryCount(staged.get(), "added-records") : 0;
            return new Staged(target, iceberg, basedOn, staged, count.rowsRead(), written);
        }

        @Override
        public long rowsRead() {
            return rows.read();
        }

        @Override
        public long rowsWritten() {
            return rows.written();
        }

        @Override
        public Dataset<Row> rows() {
            if (rows.snapshot().isEmpty()) {
                return spark.createDataFrame(List.of(), schema);
            }
            return spark.read().option("versionAsOf", rows.snapshot().get().snapshotId()).table(table)
                    .where(partition.values().entrySet().stream().map(e -> functions.col(e.getKey()).equalTo(e.getValue()))
                            .reduce(org.apache.spark.sql.Column::and).orElseThrow())
                    .drop(partition.values().keySet().toArray(String[]::new));
        }

        @Override
        public Quarantine quarantine(Dataset<Row> rejected) {
            if (published || rejects != null) {
                throw new IllegalStateException("the quarantine of " + table + " partition " + spec() + " is written once, before its publish");
            }
            createIfMissing(quarantine, rejected.schema(), partition);
            rejects = stageRows(quarantine, rejected);
            metrics.collectObservations(SPARK_REPORT_TIMEOUT);
            log.info("staged {} rejected rows of {} partition {} in {}", rejects.written(), table, spec(), quarantine);
            return new Quarantine(quarantine + " partition " + spec(), rejects.written());
        }

        @Override
        public void publish() {
            if (published) {
                throw new IllegalStateException(table + " partition " + spec() + " is already published");
            }
            Map<String, String> summary = new LinkedHashMap<>(commitSummary);
            summary.put(IcebergTables.PARTITION, spec());
            Snapshot snapshot = IcebergTables.replacePartition(rows.table(), table, partition, rows.snapshot(), rows.basedOn(), summary);
            published = true;
            unpublished.remove(this);
            SparkOutputs.this.published.put(table, snapshot.snapshotId());
            log.info("published {} partition {}: snapshot {}, {} rows added, {} removed", table, spec(), snapshot.snapshotId(),
                    snapshot.summary().getOrDefault("added-records", "0"), snapshot.summary().getOrDefault("deleted-records", "0"));
            // A rerun replaces the partition's rejects too, with its own or with none.
            Staged rejected = rejects;
            if (rejected == null && IcebergTables.kind(spark, quarantine) == IcebergTables.Kind.ICEBERG) {
                Table existing = IcebergTables.load(spark, quarantine);
                rejected = new Staged(quarantine, existing, existing.currentSnapshot() == null ? null : existing.currentSnapshot().snapshotId(),
                        Optional.empty(), 0, 0);
            }
            if (rejected != null) {
                IcebergTables.replacePartition(rejected.table(), quarantine, partition, rejected.snapshot(), rejected.basedOn(), summary);
            }
            forget(rows, true);
            forget(rejects, true);
        }

        /** The staged snapshot is published (its data files belong to the published one now) or abandoned: either way it goes. */
        private void forget(Staged staged, boolean published) {
            if (staged != null && staged.snapshot().isPresent()) {
                try {
                    if (published) {
                        IcebergTables.forgetPublished(staged.table(), staged.snapshot().get());
                    } else {
                        IcebergTables.discard(staged.table(), staged.snapshot().get());
                    }
                } catch (RuntimeException e) {
                    log.warn("could not remove staged snapshot {} of {}: {}", staged.snapshot().get().snapshotId(), staged.name(), e.toString());
                }
            }
        }

        /** Undoes what staging did to the catalog: staged snapshots, added columns, and the tables this run created. */
        void discard() {
            forget(rows, false);
            forget(rejects, false);
            try {
                if (!addedColumns.isEmpty()) {
                    spark.sql("ALTER TABLE " + table + " DROP COLUMNS (" + addedColumns.stream().map(StructField::name).collect(Collectors.joining(", ")) + ")");
                }
                if (createdTable) {
                    dropIfNeverPublished(table);
                    dropIfNeverPublished(quarantine);
                }
            } catch (RuntimeException e) {
                log.warn("could not undo the staging of {} partition {}: {}", table, spec(), e.toString());
            }
            log.info("discarded unpublished staging of {} partition {}", table, spec());
        }
    }

    /** A staged write: its table, the snapshot current when it began, the snapshot it staged (none for no rows), and its counts. */
    private record Staged(String name, Table table, Long basedOn, Optional<Snapshot> snapshot, long read, long written) {
    }

    /**
     * Creates an Iceberg table for rows of this schema plus the partition's columns, with write-audit-publish
     * on; true if this call created it. A table another run created meanwhile must have the same columns.
     */
    private boolean createIfMissing(String table, StructType schema, Partition partition) {
        IcebergTables.Kind kind = IcebergTables.kind(spark, table);
        if (kind == IcebergTables.Kind.OTHER) {
            throw PartitionTables.notIceberg(table);
        }
        if (kind == IcebergTables.Kind.ICEBERG) {
            return false; // its columns were checked against the rows' before staging
        }
        List<String> partitionColumns = List.copyOf(partition.values().keySet());
        boolean ours;
        try {
            ours = IcebergSql.createIfMissing(spark, table, IcebergSql.columns(schema) + ", "
                            + partitionColumns.stream().map(c -> c + " STRING").collect(Collectors.joining(", ")),
                    partitionColumns, runToken, Map.of(IcebergTables.WAP_ENABLED, "true"));
        } catch (IcebergSql.NotIcebergException e) {
            throw PartitionTables.notIceberg(table);
        }
        if (!ours) {
            String existing = columns(spark.table(table).drop(partition.values().keySet().toArray(String[]::new)).schema());
            if (!existing.equals(columns(schema))) {
                throw new IllegalStateException("table " + table + " was created by another run with columns (" + existing
                        + "), not this run's (" + columns(schema) + "); nothing was published");
            }
            return false;
        }
        log.info("created Iceberg table {} partitioned by {}", table, String.join(", ", partitionColumns));
        return true;
    }

    /** A table this run created and that has never had a published snapshot: no reader can have seen rows in it. */
    private void dropIfNeverPublished(String table) {
        if (IcebergTables.kind(spark, table) == IcebergTables.Kind.ICEBERG && IcebergTables.load(spark, table).currentSnapshot() == null) {
            IcebergTables.dropWithFiles(spark, table);
            log.info("dropped {}: created by this run, never published", table);
        }
    }

    @Override
    public Replaced replaceWithCsv(String table, Dataset<Row> rows, String key, Map<String, String> facts) {
        return replaceWhole(table, rows, List.of(), facts, staged -> {
            Difference difference = staged.difference(key); // before the CSV: a failure leaves no copy behind
            return new Replaced(staged.rowCount(), staged.writeCsvCopy(), difference);
        });
    }

    @Override
    public void replaceTable(String table, Dataset<Row> rows, String... partitionColumns) {
        replaceWhole(table, rows, List.of(partitionColumns), Map.of(), staged -> new Replaced(staged.rowCount(), "", Difference.NOT_COMPARED));
    }

    /**
     * Replaces a whole table by write-audit-publish ({@link StagedTable}): the rows go to a staging branch
     * (Spark counts the rows its sources read), {@code audit} reads them there, then one commit publishes
     * them. What was staged and not published goes: the branch, and the table if this run created it.
     */
    private Replaced replaceWhole(String target, Dataset<Row> rows, List<String> partitionColumns, Map<String, String> facts,
                                  java.util.function.Function<StagedTable, Replaced> audit) {
        String table = PartitionTables.outputTable(target).toString();
        StagedTable staged;
        try {
            staged = StagedTable.begin(spark, table, rows.schema(), partitionColumns, runToken);
        } catch (IcebergSql.NotIcebergException e) {
            throw PartitionTables.notIceberg(table);
        }
        try {
            log.info("writing {} to a staging branch, unseen until published", table);
            WriteCounts.Count count = counts.countTableWrite(table, () -> staged.write(rows, IcebergSql.withFacts(commitSummary, facts)), SPARK_REPORT_TIMEOUT);
            metrics.collectObservations(SPARK_REPORT_TIMEOUT);
            Replaced replaced = audit.apply(staged);
            long snapshot = staged.publish();
            published.put(table, snapshot);
            log.info("published {}: snapshot {}, {} rows", table, snapshot, replaced.rows());
            metrics.add("rows_read", count.rowsRead());
            metrics.add("rows_written", replaced.rows());
            return replaced;
        } finally {
            staged.discard(); // nothing once published
        }
    }

    @Override
    public long replacePartition(String target, String partitionColumns, List<String> values, Dataset<Row> rows) {
        String table = PartitionTables.outputTable(target).toString();
        long[] written = new long[1];
        WriteCounts.Count count;
        try {
            count = counts.countTableWrite(table,
                    () -> written[0] = IcebergSql.replacePartition(spark, table, partitionColumns, values, rows, commitSummary, runToken), SPARK_REPORT_TIMEOUT);
        } catch (IcebergSql.NotIcebergException e) {
            throw PartitionTables.notIceberg(table);
        }
        log.info("published {} partition {} = {}: {} rows", table, partitionColumns, values, written[0]);
        metrics.add("rows_read", count.rowsRead());
        metrics.add("rows_written", written[0]);
        return written[0];
    }

    @Override
    public void deletePartitionsBefore(String table, String dateColumn, java.time.LocalDate keepFrom) {
        IcebergSql.deleteBefore(spark, table, dateColumn, keepFrom);
    }

    @Override
    public <S> void publish(Publication<S> publication) throws Exception {
        S staged = publication.stage();
        boolean published = false;
        try {
            publication.audit(staged);
            publication.publish(staged);
            published = true;
        } finally {
            if (!published) {
                publication.discard(staged);
            }
        }
    }

    @Override
    public Maintenance maintain(String table, Retention retention) {
        Maintenance done = new TableMaintenance(spark, log).maintain(PartitionTables.outputTable(table).toString(), retention, false);
        log.info("{}", TableMaintenance.describe(done, false));
        return done;
    }

    @Override
    public Map<String, Long> published() {
        return Map.copyOf(published);
    }

    /** Called at the end of every run: what was staged and not published is undone. */
    @Override
    public void close() {
        counts.close();
        for (IcebergPartition partition : List.copyOf(unpublished)) {
            partition.discard();
            unpublished.remove(partition);
        }
    }

    private static String columns(StructType schema) {
        return Arrays.stream(schema.fields()).map(f -> f.name().toLowerCase(Locale.ROOT) + " " + f.dataType().sql())
                .collect(Collectors.joining(", "));
    }
}
