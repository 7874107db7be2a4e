package dev.kindling.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kindling.dsl.publish.IcebergSql;
import dev.kindling.dsl.publish.PublishConflictException;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotChanges;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.iceberg.util.SnapshotUtil;
import org.apache.spark.sql.SparkSession;

/**
 * The template's one door to Iceberg's table API. Rows are staged by Spark's writer as a snapshot
 * that readers do not see (write-audit-publish: {@code write.wap.enabled} and a WAP id), and a
 * partition is published by one Iceberg commit that replaces the partition's files with the staged
 * ones, validated against every commit since the staging began: a run whose partition another run
 * replaced meanwhile is refused, runs of other partitions are not.
 */
final class IcebergTables {

    /** The table property that turns write-audit-publish on: writes with a WAP id are staged, not current. */
    static final String WAP_ENABLED = "write.wap.enabled";
    /** Spark's session setting that makes the next Iceberg write a staged one. */
    static final String WAP_ID = "spark.wap.id";
    /** Summary keys Kindling adds to each snapshot it commits (besides Iceberg's own counts). */
    static final String RUN_ID = "kindling.run_id";
    static final String PARTITION = IcebergSql.PARTITION;

    private IcebergTables() {
    }

    enum Kind { MISSING, ICEBERG, OTHER }

    private static final String SESSION_CATALOG = "spark.sql.catalog.spark_catalog";

    /**
     * Whether a table the Hive metastore does not know may still be an Iceberg table, asked before Spark
     * starts: the session catalog's Iceberg catalog is built from the run's settings (the same keys Spark
     * would give it) and asked. False without Iceberg's session catalog; true when the catalog cannot be
     * asked (Spark's catalog decides once it runs).
     */
    static boolean mayHold(Map<String, String> sparkSettings, org.apache.hadoop.conf.Configuration hadoop, TableName table) {
        if (!"org.apache.iceberg.spark.SparkSessionCatalog".equals(sparkSettings.get(SESSION_CATALOG))) {
            return false;
        }
        try (Catalogue catalog = Catalogue.of(sparkSettings, hadoop)) {
            return catalog.catalog().tableExists(identifier(table))
                    || catalog.catalog() instanceof org.apache.iceberg.catalog.ViewCatalog views && views.viewExists(identifier(table));
        } catch (Exception | LinkageError cannotAsk) {
            return true;
        }
    }

    /** The table in Iceberg's catalog: a name without a database is in the one Spark's session catalog looks in. */
    static TableIdentifier identifier(TableName table) {
        return TableIdentifier.of(table.databaseOrDefault(), table.name());
    }

    /**
     * The Iceberg catalog behind Spark's session catalog, built from the run's settings (the same keys
     * Spark would give it), for what is answered without Spark: a preflight look, a table's history.
     */
    record Catalogue(Catalog catalog) implements AutoCloseable {

        /** Empty when the settings give Spark's session catalog no Iceberg catalog. */
        static Optional<Catalogue> ofSession(Map<String, String> sparkSettings, org.apache.hadoop.conf.Configuration hadoop) {
            if (!"org.apache.iceberg.spark.SparkSessionCatalog".equals(sparkSettings.get(SESSION_CATALOG))) {
                return Optional.empty();
            }
            return Optional.of(of(sparkSettings, hadoop));
        }

        static Catalogue of(Map<String, String> sparkSettings, org.apache.hadoop.conf.Configuration hadoop) {
            Map<String, String> properties = new java.util.HashMap<>();
            sparkSettings.forEach((key, value) -> {
                if (key.startsWith(SESSION_CATALOG + ".")) {
                    properties.put(key.substring(SESSION_CATALOG.length() + 1), value);
                }
            });
            properties.putIfAbsent("type", "hive"); // Iceberg's Spark catalogs default to it too
            return new Catalogue(CatalogUtil.buildIcebergCatalog("spark_catalog", properties, hadoop));
        }

        @Override
        public void close() throws java.io.IOException {
            if (catalog instanceof java.io.Closeable closeable) {
                closeable.close();
            }
        }
    }

    static Kind kind(SparkSession spark, String table) {
        if (!spark.catalog().tableExists(table)) {
            return Kind.MISSING;
        }
        try {
            Spark3Util.loadIcebergTable(spark, inSessionCatalog(spark, table));
            return Kind.ICEBERG;
        } catch (IllegalArgumentException notIceberg) { // "Table ... is not an Iceberg table"
            return Kind.OTHER;
        } catch (Exception e) { // Spark's NoSuchTableException and ParseException are checked: dropped meanwhile, or no name
            throw new IllegalStateException("cannot load table " + table + ": " + e.getMessage(), e);
        }
    }

    static Table load(SparkSession spark, String table) {
        try {
            Table loaded = Spark3Util.loadIcebergTable(spark, inSessionCatalog(spark, table));
            loaded.refresh();
            return loaded;
        } catch (Exception e) {
            throw new IllegalStateException("cannot load Iceberg table " + table + ": " + e.getMessage(), e);
        }
    }

    /**
     * The table's name with its catalog: Kindling's tables live in the session catalog. (Given db.t,
     * Iceberg would first look for a catalog named db, and log a warning with a stack trace when there is none.)
     */
    private static String inSessionCatalog(SparkSession spark, String table) {
        return "spark_catalog." + (table.contains(".") ? table : spark.catalog().currentDatabase() + "." + table);
    }

    /**
     * Turns write-audit-publish on for a table that has it off (one Kindling did not create, or one migrated
     * in place): without it, a write with a WAP id would be published at once, before any check.
     */
    static void enableStaging(Table table, org.apache.logging.log4j.Logger log) {
        if (!"true".equals(table.properties().get(WAP_ENABLED))) {
            table.updateProperties().set(WAP_ENABLED, "true").commit();
            table.refresh();
            log.info("turned on write-audit-publish ({}=true) for {}: its writes are staged until published", WAP_ENABLED, table.name());
        }
    }

    /**
     * Drops a table with its files (PURGE: a catalog such as JDBC or Hive would otherwise keep them), then
     * its folder if no file is left in it, so a table nobody published leaves nothing behind.
     */
    static void dropWithFiles(SparkSession spark, String table) {
        String location = load(spark, table).location();
        spark.sql("DROP TABLE IF EXISTS " + table + " PURGE");
        try {
            org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(location);
            org.apache.hadoop.fs.FileSystem fs = folder.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(folder) && !fs.listFiles(folder, true).hasNext()) {
                fs.delete(folder, true);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("dropped " + table + " but could not remove its empty folder " + location, e);
        }
    }

    /** The snapshot a write with this WAP id staged; empty when the write committed nothing. */
    static Optional<Snapshot> staged(Table table, String wapId) {
        for (Snapshot snapshot : table.snapshots()) {
            if (wapId.equals(snapshot.summary().get("wap.id"))) {
                return Optional.of(snapshot);
            }
        }
        return Optional.empty();
    }

    /**
     * A count from a snapshot's summary. Iceberg leaves a count out when it is 0 but always writes the
     * table's totals; a summary without those is not Iceberg's, and its count is unknown, never 0.
     */
    static long summaryCount(Snapshot snapshot, String key) {
        String value = snapshot.summary().get(key);
        if (value == null && snapshot.summary().containsKey("total-records")) {
            return 0;
        }
        if (value == null) {
            throw new IllegalStateException("snapshot " + snapshot.snapshotId() + " has no '" + key + "' in its summary: its row count is unknown");
        }
        return Long.parseLong(value);
    }

    static Expression filter(Partition partition) {
        Expression all = Expressions.alwaysTrue();
        for (Map.Entry<String, String> value : partition.values().entrySet()) {
            all = Expressions.and(all, Expressions.equal(value.getKey(), value.getValue()));
        }
        return all;
    }

    /**
     * Commits one snapshot that replaces the files of {@code partition} with those
     * {@code staged} added (none: the partition becomes empty). It fails with a
     * {@link PublishConflictException} when a commit since {@code basedOn} (the snapshot current
     * when the rows were staged; null for a table that had none) added or removed files of that partition.
     */
    static Snapshot replacePartition(Table table, String name, Partition partition, Optional<Snapshot> staged, Long basedOn,
                                     Map<String, String> summary) {
        Expression rows = filter(partition);
        OverwriteFiles replace = table.newOverwrite()
                .overwriteByRowFilter(rows)
                .conflictDetectionFilter(rows)
                .validateNoConflictingData()
                .validateNoConflictingDeletes();
        if (basedOn != null) {
            replace.validateFromSnapshot(basedOn);
        }
        staged.ifPresent(snapshot -> {
            for (DataFile file : SnapshotChanges.builderFor(table).snapshot(snapshot).build().addedDataFiles()) {
                replace.addFile(file);
            }
        });
        summary.forEach(replace::set);
        try {
            replace.commit();
        } catch (ValidationException | CommitFailedException e) {
            table.refresh();
            throw new PublishConflictException(name + " partition " + partition, String.join(", ", publishersSince(table, basedOn, partition.toString())), e);
        }
        table.refresh();
        return table.currentSnapshot();
    }

    /** The runs that published this partition after {@code basedOn}, newest first, as "run R (snapshot S)". */
    private static List<String> publishersSince(Table table, Long basedOn, String partition) {
        List<String> runs = new ArrayList<>();
        if (table.currentSnapshot() == null) {
            return runs;
        }
        Iterable<Snapshot> since = basedOn == null
                ? SnapshotUtil.ancestorsOf(table.currentSnapshot().snapshotId(), table::snapshot)
                : SnapshotUtil.ancestorsBetween(table.currentSnapshot().snapshotId(), basedOn, table::snapshot);
        for (Snapshot snapshot : since) {
            if (partition.equals(snapshot.summary().get(PARTITION))) {
                runs.add("run " + snapshot.summary().getOrDefault(RUN_ID, "(not Kindling's)") + " (snapshot " + snapshot.snapshotId() + ")");
            }
        }
        return runs;
    }

    /**
     * Removes a staged snapshot that a publish took over. Its data files are the published snapshot's now,
     * so only its own metadata goes: its manifest list and the manifests it wrote. The expiry is metadata
     * only: Iceberg's clean-up would read every manifest of the table to find unreferenced files, the
     * largest part of a publish's fixed cost (docs/benchmarks.md), to find these. A file left by a failure
     * here is an orphan that maintain removes.
     */
    static void forgetPublished(Table table, Snapshot staged) {
        table.refresh();
        if (table.snapshot(staged.snapshotId()) == null) {
            return;
        }
        List<String> own = new ArrayList<>();
        for (ManifestFile manifest : staged.allManifests(table.io())) {
            if (Long.valueOf(staged.snapshotId()).equals(manifest.snapshotId())) {
                own.add(manifest.path());
            }
        }
        own.add(staged.manifestListLocation());
        table.expireSnapshots().expireSnapshotId(staged.snapshotId()).cleanExpiredFiles(false).commit();
        own.forEach(table.io()::deleteFile);
    }

    /** Removes a staged snapshot nobody will publish, with the files only it referenced. */
    static void discard(Table table, Snapshot staged) {
        table.refresh();
        if (table.snapshot(staged.snapshotId()) != null) {
            table.expireSnapshots().expireSnapshotId(staged.snapshotId()).commit();
        }
    }
}
