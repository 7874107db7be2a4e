package dev.kindling.maintain;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.kindling.template.Job;
import dev.kindling.template.Outputs;
import dev.kindling.template.RunContext;
import dev.kindling.template.TableName;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Housekeeping of the Iceberg tables Kindling writes, scheduled daily by the DAG factory for every
 * table its DAGs write: what is older than the retention goes (settings {@code tables.retention.days},
 * {@code tables.retention.keep.last}), then small files are compacted. See {@link Outputs#maintain}.
 */
@Command(name = "maintain",
        description = "Keep Iceberg tables from growing without bound: expire snapshots older than tables.retention.days (keeping the last"
                + " tables.retention.keep.last), with the files and mailing-list CSV copies only they held; drop staging branches and"
                + " never-published tables left by killed runs and files no snapshot references, all older than the retention; compact small files.")
public final class MaintainJob implements Job {

    @Option(names = "--table", required = true, split = ",", paramLabel = "DB.TABLE", converter = TableName.QualifiedConverter.class,
            description = "A table to maintain; repeat the option or separate names with commas. One that does not exist (yet) is skipped and counted (tables_missing).")
    List<TableName> tables = new ArrayList<>();

    @Option(names = "--no-compaction", description = "Expire and clean only; do not rewrite small files.")
    boolean noCompaction;

    @Option(names = "--migrate", description = "First move a table that is an external Hive table (one written by Kindling before Iceberg) to"
            + " Iceberg in place, its files where they are; the Hive table is kept as <table>_backup_. Without it such a table is exit 2.")
    boolean migrate;

    @Override
    public void run(RunContext context) {
        Outputs.Retention retention = new Outputs.Retention(Duration.ofDays(Long.parseLong(context.settings().get("tables.retention.days"))),
                Integer.parseInt(context.settings().get("tables.retention.keep.last")), !noCompaction, migrate);
        long snapshots = 0;
        long files = 0;
        long orphans = 0;
        long branches = 0;
        long copies = 0;
        long compacted = 0;
        long dropped = 0;
        long missing = 0;
        long migrated = 0;
        java.util.Set<TableName> distinct = new java.util.LinkedHashSet<>(tables); // two spellings of a table are one table
        for (TableName table : distinct) {
            Outputs.Maintenance done = context.outputs().maintain(table, retention);
            snapshots += done.snapshotsExpired();
            files += done.filesDeleted();
            orphans += done.orphanFilesDeleted();
            branches += done.branchesDropped();
            copies += done.csvCopiesDeleted();
            compacted += done.filesCompacted();
            dropped += done.tableDropped() ? 1 : 0;
            missing += done.missing() ? 1 : 0;
            migrated += done.filesMigrated() > 0 ? 1 : 0;
        }
        context.metrics().set("tables_maintained", distinct.size());
        context.metrics().set("snapshots_expired", snapshots);
        context.metrics().set("files_deleted", files);
        context.metrics().set("orphan_files_deleted", orphans);
        context.metrics().set("staging_branches_dropped", branches);
        context.metrics().set("csv_copies_deleted", copies);
        context.metrics().set("files_compacted", compacted);
        context.metrics().set("tables_dropped", dropped);
        context.metrics().set("tables_missing", missing);
        context.metrics().set("tables_migrated", migrated);
    }
}
