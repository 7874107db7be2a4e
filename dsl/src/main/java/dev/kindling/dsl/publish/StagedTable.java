package dev.kindling.dsl.publish;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * A whole Iceberg table replaced by write-audit-publish: the new rows are written to a branch of the
 * table that no reader of the table sees ({@link #write}), audited there ({@link #rows}, {@link #rowCount},
 * {@link #difference}, a CSV copy), then published by fast-forwarding the table's main branch to it, one
 * metadata commit ({@link #publish}). The fast-forward succeeds only if nobody published the table since
 * this replacement began: of two runs at once, exactly one publishes and the other gets a
 * {@link PublishConflictException}. A query that started before the publish finishes on the snapshot it
 * began with; earlier snapshots (and their files) stay until they expire.
 * <p>
 * SQL and the unified Dataset API only, so a shell on Spark Connect writes a table exactly as a job does.
 * Not thread-safe; one replacement per instance.
 */
public final class StagedTable {

    private static final String BEFORE = "kindling_in_published";
    private static final String AFTER = "kindling_in_staged";

    private final SparkSession spark;
    private final String table;
    private final String branch;
    private final Long basedOn;
    private final boolean createdTable;
    private boolean published;
    private boolean discarded;

    private StagedTable(SparkSession spark, String table, String branch, Long basedOn, boolean createdTable) {
        this.spark = spark;
        this.table = table;
        this.branch = branch;
        this.basedOn = basedOn;
        this.createdTable = createdTable;
    }

    /**
     * Begins replacing {@code table} (db.name): creates it, empty, with these columns (and partition
     * columns among them) if it is missing, and a branch for this run at the table's published snapshot.
     */
    public static StagedTable begin(SparkSession spark, String table, StructType schema, List<String> partitionColumns, String runToken) {
        String name = IcebergSql.tableName(table);
        boolean created = IcebergSql.createIfMissing(spark, name, IcebergSql.columns(schema), partitionColumns, runToken);
        Long basedOn = IcebergSql.branchSnapshot(spark, name, "main");
        String branch = IcebergSql.uniqueName(runToken);
        // on a table without a snapshot, Iceberg starts the branch at a new empty one
        spark.sql("ALTER TABLE " + IcebergSql.inCatalog(name) + " CREATE BRANCH " + branch + (basedOn == null ? "" : " AS OF VERSION " + basedOn));
        return new StagedTable(spark, name, branch, basedOn, created);
    }

    public String table() {
        return table;
    }

    /** Replaces the branch's rows with these, in one commit whose summary carries {@code summary}. */
    public void write(Dataset<Row> rows, Map<String, String> summary) {
        try {
            IcebergSql.withSummary(rows.writeTo(IcebergSql.inCatalog(table) + ".branch_" + branch), summary).overwrite(lit(true));
        } catch (Exception e) { // Spark's NoSuchTableException is checked in Java
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException("cannot write " + table + ": " + e.getMessage(), e);
        }
    }

    /** The staged rows, as readers will see them once published. */
    public Dataset<Row> rows() {
        return spark.read().option("branch", branch).table(IcebergSql.inCatalog(table));
    }

    /** The staged snapshot. */
    public long snapshot() {
        Long snapshot = IcebergSql.branchSnapshot(spark, table, branch);
        if (snapshot == null) {
            throw new IllegalStateException("the staging branch " + branch + " of " + table + " is gone: was it removed by another process?");
        }
        return snapshot;
    }

    /** How many rows the staged snapshot holds: from its summary, no Spark job. */
    public long rowCount() {
        return IcebergSql.count(IcebergSql.summary(spark, table, snapshot()), "total-records");
    }

    /**
     * How the staged rows differ from the published ones by the values of column {@code key}, in one Spark
     * query over the two snapshots (counts only, nothing collected); every key is added when nothing was
     * published before.
     */
    public Difference difference(String key) {
        if (basedOn == null) {
            return Difference.first(rowCount());
        }
        Dataset<Row> before = spark.sql("SELECT " + key + " FROM " + IcebergSql.inCatalog(table) + " VERSION AS OF " + basedOn).distinct().withColumn(BEFORE, lit(true));
        Dataset<Row> after = rows().select(col(key)).distinct().withColumn(AFTER, lit(true));
        Row counts = before.join(after, key, "full_outer")
                .agg(count(when(col(BEFORE).isNull(), lit(1))), count(when(col(AFTER).isNull(), lit(1))))
                .first();
        return new Difference(Difference.Kind.SINCE_PREVIOUS, counts.getLong(0), counts.getLong(1));
    }

    /**
     * Writes the staged rows as one CSV file with a header line into a folder of their own beside the table's
     * folder, {@code <table folder>.csv/<snapshot>}, and returns that folder. Outside the table's folder, so
     * Iceberg's clean-up of orphan files never takes it; each snapshot's copy stays as long as the snapshot.
     */
    public String writeCsvCopy() {
        String location = IcebergSql.described(spark, table, "Location");
        if (location == null) {
            throw new IllegalStateException("table " + table + " shows no location");
        }
        String folder = location.replaceFirst("/+$", "") + ".csv/" + snapshot();
        rows().coalesce(1).write().option("header", "true").csv(folder);
        return folder;
    }

    /**
     * Publishes the staged snapshot: the table's main branch moves to it in one commit, if nobody published
     * the table since this replacement began; else a {@link PublishConflictException} naming who did, and
     * nothing of this run is published. Returns the published snapshot. The staging branch goes either way.
     */
    public long publish() {
        if (published || discarded) {
            throw new IllegalStateException("the replacement of " + table + " is already " + (published ? "published" : "discarded"));
        }
        long snapshot = snapshot();
        try {
            spark.sql("CALL spark_catalog.system.fast_forward(" + IcebergSql.sqlString(IcebergSql.inCatalog(table)) + ", 'main', " + IcebergSql.sqlString(branch) + ")").collectAsList();
        } catch (RuntimeException e) { // "Cannot fast-forward: main is not an ancestor of ...", as is or as text over Spark Connect
            if (String.valueOf(e.getMessage()).contains("is not an ancestor")) {
                Long now = IcebergSql.branchSnapshot(spark, table, "main");
                discard();
                throw new PublishConflictException(table, IcebergSql.publisher(spark, table, now), e);
            }
            throw e;
        }
        published = true;
        dropBranch();
        return snapshot;
    }

    /** Drops the staging branch (its snapshot goes with the next expiry) and the table, if this run created it and never published it. */
    public void discard() {
        if (published || discarded) {
            return;
        }
        discarded = true;
        dropBranch();
        if (createdTable && IcebergSql.branchSnapshot(spark, table, "main") == null) {
            spark.sql("DROP TABLE IF EXISTS " + table + " PURGE"); // its files too (a JDBC or Hive catalog keeps them otherwise)
        }
    }

    private void dropBranch() {
        spark.sql("ALTER TABLE " + IcebergSql.inCatalog(table) + " DROP BRANCH IF EXISTS " + branch);
    }
}
