package dev.kindling.template;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import dev.kindling.dsl.publish.IcebergSql;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;
import org.apache.iceberg.actions.DeleteOrphanFiles;
import org.apache.iceberg.actions.ExpireSnapshots;
import org.apache.iceberg.actions.RewriteDataFiles;
import org.apache.iceberg.spark.actions.SparkActions;
import org.apache.iceberg.util.SnapshotUtil;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

/**
 * Keeps one of Kindling's Iceberg tables from growing without bound, with Iceberg's own Spark actions,
 * and removes nothing younger than the retention: a reader planning a query, a run still staging, a
 * rollback within the retention all keep what they need.
 * <ol>
 *   <li>staging branches of killed runs ({@code kindling_*}) whose head is older than the retention;</li>
 *   <li>a table a run created and never published, unchanged for the retention: dropped;</li>
 *   <li>snapshots older than the retention beyond the last {@code keepLast} of {@code main}, with staged
 *       snapshots nobody published, and the files only they held ({@code expireSnapshots});</li>
 *   <li>CSV copies ({@code <table folder>.csv/<snapshot>}) of snapshots that are gone;</li>
 *   <li>files in the table's folder that no snapshot references, older than the retention
 *       ({@code deleteOrphanFiles}: what a killed or failed write left);</li>
 *   <li>small files rewritten into fewer ({@code rewriteDataFiles}, binpack): one commit, which a
 *       publish of the same partition meanwhile makes fail (a rerun tries again).</li>
 * </ol>
 */
final class TableMaintenance {

    /** Staging branches are named by {@code dev.kindling.dsl.publish.IcebergSql#uniqueName}. */
    private static final String STAGING_BRANCH = "kindling_";

    private final SparkSession spark;
    private final Logger log;

    TableMaintenance(SparkSession spark, Logger log) {
        this.spark = spark;
        this.log = log;
    }

    Outputs.Maintenance maintain(String name, Outputs.Retention retention, boolean dryRun) {
        long cutoff = System.currentTimeMillis() - retention.age().toMillis();
        IcebergTables.Kind kind = IcebergTables.kind(spark, name);
        if (kind == IcebergTables.Kind.MISSING) { // a quarantine table before the first reject, say
            log.info("{} does not exist: nothing to maintain", name);
            return new Outputs.Maintenance(name, 0, 0, 0, 0, 0, 0, false, true, 0);
        }
        long migrated = 0;
        if (kind == IcebergTables.Kind.OTHER) {
            if (!retention.migrate()) {
                throw PartitionTables.notIceberg(name);
            }
            migrated = migrate(name, dryRun);
            if (dryRun) {
                return new Outputs.Maintenance(name, 0, 0, 0, 0, 0, 0, false, false, migrated);
            }
        }
        Table table = IcebergTables.load(spark, name);
        long lastChange = table instanceof HasTableOperations ops ? ops.operations().current().lastUpdatedMillis() : Long.MAX_VALUE;
        List<String> stale = dropStaleBranches(table, cutoff, dryRun);
        if (neverPublished(table, stale, lastChange < cutoff)) {
            log.info("{} {}: created by run {} and never published", dryRun ? "would drop" : "dropping", name,
                    table.properties().get(IcebergSql.CREATED_BY_RUN));
            if (!dryRun) {
                IcebergTables.dropWithFiles(spark, name);
            }
            return new Outputs.Maintenance(name, 0, 0, 0, stale.size(), 0, 0, true, false, migrated);
        }
        Set<Long> expirable = expirable(table, cutoff, retention.keepLast());
        long expired = expirable.size();
        long filesDeleted = 0;
        if (!dryRun) {
            int before = size(table.snapshots());
            ExpireSnapshots.Result result = SparkActions.get(spark).expireSnapshots(table)
                    .expireOlderThan(cutoff).retainLast(retention.keepLast()).execute();
            table.refresh();
            expired = before - size(table.snapshots());
            filesDeleted = result.deletedDataFilesCount() + result.deletedManifestsCount() + result.deletedManifestListsCount()
                    + result.deletedPositionDeleteFilesCount() + result.deletedEqualityDeleteFilesCount();
        }
        long csv = deleteCsvCopies(table, expirable, cutoff, dryRun);
        AtomicLong orphans = new AtomicLong();
        DeleteOrphanFiles.Result orphaned = SparkActions.get(spark).deleteOrphanFiles(table).olderThan(cutoff)
                .deleteWith(file -> {
                    orphans.incrementAndGet();
                    if (!dryRun) {
                        delete(new Path(file));
                    }
                })
                .execute();
        log.debug("orphan files of {}: {}", name, orphaned.orphanFileLocations());
        long compacted = 0;
        if (retention.compact() && !dryRun && table.currentSnapshot() != null) {
            RewriteDataFiles.Result result = SparkActions.get(spark).rewriteDataFiles(table).execute();
            compacted = result.rewrittenDataFilesCount();
        }
        return new Outputs.Maintenance(name, expired, filesDeleted, orphans.get(), stale.size(), csv, compacted, false, false, migrated);
    }

    /**
     * Moves an external Hive table (Kindling's tables before Iceberg: partitions pointing at version
     * folders) to Iceberg in place with Iceberg's {@code migrate} procedure: the Iceberg table takes the
     * name and references the partitions' files where they are; the Hive table stays as
     * {@code <table>_backup_}, external, so dropping it deletes no file. A managed Hive table is refused:
     * the rename would move its files under the backup's folder. Returns the files the table now has
     * (a dry run: the partitions it would take).
     */
    private long migrate(String name, boolean dryRun) {
        String type = IcebergSql.described(spark, name, "Type");
        String provider = IcebergSql.described(spark, name, "Provider");
        if (!"EXTERNAL".equalsIgnoreCase(type)) {
            throw new InvalidInputException("table " + name + " is a " + (type == null ? "" : type.toLowerCase(java.util.Locale.ROOT) + " ")
                    + "table, not an external Hive table, and is not moved in place (its files would move under the backup's folder);"
                    + " copy it instead: CREATE TABLE <new> USING iceberg PARTITIONED BY (...) AS SELECT * FROM " + name);
        }
        if (!List.of("parquet", "orc", "avro", "hive").contains(String.valueOf(provider).toLowerCase(java.util.Locale.ROOT))) {
            throw new InvalidInputException("table " + name + " is stored as " + provider + ": Iceberg moves Parquet, ORC and Avro tables in place only");
        }
        if (dryRun) {
            long partitions = spark.sql("SHOW PARTITIONS " + name).count();
            log.info("would move {} to Iceberg in place: {} partitions, their files where they are; the Hive table kept as {}_backup_", name, partitions, name);
            return partitions;
        }
        long files;
        try {
            files = spark.sql("CALL spark_catalog.system.migrate(table => '" + name + "')").first().getLong(0);
        } catch (IllegalArgumentException refused) { // e.g. the file-based catalog keeps a table only at <warehouse>/<db>/<table>
            throw new InvalidInputException("table " + name + " cannot be moved to Iceberg in place by this catalog (" + refused.getMessage()
                    + "); copy it instead: CREATE TABLE <new> USING iceberg PARTITIONED BY (...) AS SELECT * FROM " + name);
        }
        Table table = IcebergTables.load(spark, name);
        table.updateProperties().set(IcebergTables.WAP_ENABLED, "true").set("write.distribution-mode", "none").commit();
        log.info("moved {} to Iceberg in place: {} files, where they were; the Hive table is kept as {}_backup_ (external: dropping it deletes no file)",
                name, files, name);
        return files;
    }

    /** Drops (in a dry run: names) the staging branches older than the cutoff; returns their names. */
    private List<String> dropStaleBranches(Table table, long cutoff, boolean dryRun) {
        List<String> stale = new ArrayList<>();
        for (Map.Entry<String, SnapshotRef> ref : table.refs().entrySet()) {
            Snapshot head = table.snapshot(ref.getValue().snapshotId());
            if (ref.getKey().startsWith(STAGING_BRANCH) && ref.getValue().isBranch() && (head == null || head.timestampMillis() < cutoff)) {
                stale.add(ref.getKey());
            }
        }
        if (!stale.isEmpty() && !dryRun) {
            org.apache.iceberg.ManageSnapshots drop = table.manageSnapshots();
            stale.forEach(drop::removeBranch);
            drop.commit();
            table.refresh();
        }
        if (!stale.isEmpty()) {
            log.info("{} staging branches of {} left by runs that never published: {}", dryRun ? "would drop" : "dropped", table.name(), stale);
        }
        return stale;
    }

    /**
     * A table Kindling created that never had a published snapshot and has no live staging branch,
     * unchanged since before the cutoff: what a run killed between creating and publishing it left.
     */
    private static boolean neverPublished(Table table, List<String> staleBranches, boolean unchangedForTheRetention) {
        return unchangedForTheRetention && table.properties().containsKey(IcebergSql.CREATED_BY_RUN) && table.currentSnapshot() == null
                && staleBranches.containsAll(table.refs().keySet());
    }

    /** The snapshots expiry would remove: older than the cutoff, not among main's last keepLast, not the head of a branch or tag. */
    private static Set<Long> expirable(Table table, long cutoff, int keepLast) {
        Set<Long> kept = table.refs().values().stream().map(SnapshotRef::snapshotId).collect(Collectors.toSet());
        if (table.currentSnapshot() != null) {
            int i = 0;
            for (Snapshot ancestor : SnapshotUtil.ancestorsOf(table.currentSnapshot().snapshotId(), table::snapshot)) {
                if (i++ >= keepLast) {
                    break;
                }
                kept.add(ancestor.snapshotId());
            }
        }
        Set<Long> expirable = new java.util.HashSet<>();
        for (Snapshot snapshot : table.snapshots()) {
            if (snapshot.timestampMillis() < cutoff && !kept.contains(snapshot.snapshotId())) {
                expirable.add(snapshot.snapshotId());
            }
        }
        return expirable;
    }

    /** CSV copies of snapshots the table no longer has (or, in a dry run, would no longer have), written before the cutoff. */
    private long deleteCsvCopies(Table table, Set<Long> goingInDryRun, long cutoff, boolean dryRun) {
        Path folder = new Path(table.location().replaceFirst("/+$", "") + ".csv");
        try {
            FileSystem fs = folder.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(folder)) {
                return 0;
            }
            Set<Long> present = new java.util.HashSet<>();
            table.snapshots().forEach(snapshot -> present.add(snapshot.snapshotId()));
            long deleted = 0;
            for (FileStatus copy : fs.listStatus(folder)) {
                String id = copy.getPath().getName();
                if (!copy.isDirectory() || !id.matches("-?[0-9]+") || copy.getModificationTime() >= cutoff) {
                    continue;
                }
                long snapshot = Long.parseLong(id);
                boolean gone = dryRun ? goingInDryRun.contains(snapshot) || !present.contains(snapshot) : !present.contains(snapshot);
                if (gone) {
                    deleted++;
                    if (!dryRun) {
                        fs.delete(copy.getPath(), true);
                    }
                }
            }
            return deleted;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean the CSV copies in " + folder + ": " + e.getMessage(), e);
        }
    }

    private void delete(Path file) {
        try {
            file.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(file, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete orphan file " + file + ": " + e.getMessage(), e);
        }
    }

    private static int size(Iterable<?> items) {
        int n = 0;
        for (Object ignored : items) {
            n++;
        }
        return n;
    }

    static String describe(Outputs.Maintenance done, boolean dryRun) {
        if (done.missing()) {
            return done.table() + " does not exist: nothing to maintain";
        }
        return (dryRun ? "dry run: would maintain " : "maintained ") + done.table() + ": "
                + (done.filesMigrated() > 0 ? (dryRun ? "would move to Iceberg in place (" + done.filesMigrated() + " partitions); "
                        : "moved to Iceberg in place (" + done.filesMigrated() + " files); ") : "")
                + (done.tableDropped() ? "dropped (created by a run that never published it); " : "")
                + done.snapshotsExpired() + " snapshots expired (" + done.filesDeleted() + " files with them), "
                + done.orphanFilesDeleted() + " orphan files, " + done.branchesDropped() + " staging branches, "
                + done.csvCopiesDeleted() + " CSV copies deleted, " + done.filesCompacted() + " files compacted";
    }
}
