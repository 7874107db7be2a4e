package dev.kindling.template;

import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.iceberg.HistoryEntry;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.util.SnapshotUtil;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kindling history} and {@code kindling rollback}: a table's publishes, read from Iceberg's
 * metadata through the env's catalog, without Spark; and a rollback, one metadata commit that makes an
 * earlier snapshot current again. Each snapshot Kindling publishes names its job, run and logical date
 * in its summary, so a table's state leads to the run that made it, and back.
 */
final class TableCommands {

    private TableCommands() {
    }

    /** Options both commands have. */
    abstract static class TableCommand {
        @Option(names = "--table", required = true, paramLabel = "DB.TABLE", converter = TableName.Converter.class,
                description = "The Iceberg table, as jobs name it.")
        TableName table;

        @Option(names = "--env", defaultValue = "local", paramLabel = "NAME", description = CommonOptions.ENV_HELP)
        String env;

        @Option(names = "--conf", paramLabel = "KEY=VALUE", description = CommonOptions.CONF_HELP)
        List<String> conf = new ArrayList<>();

        /** Runs the command: exit 0, or one line on err and exit 2 (nothing a retry fixes) or 1 (the catalog did not answer). */
        final int execute(String name, Map<String, String> environment, PrintStream out, PrintStream err) {
            try {
                Settings settings = Settings.resolve(env, conf, environment);
                Optional<IcebergTables.Catalogue> session = IcebergTables.Catalogue.ofSession(Preflight.sparkSettings(settings), Preflight.hadoopConfiguration(settings));
                if (session.isEmpty()) {
                    throw new InvalidInputException("env " + env + " gives Spark's session catalog no Iceberg catalog (spark.sql.catalog.spark_catalog)");
                }
                try (IcebergTables.Catalogue catalog = session.get()) {
                    Table loaded = catalog.catalog().loadTable(IcebergTables.identifier(table));
                    return run(table, loaded, catalog.catalog(), out);
                }
            } catch (InvalidInputException e) {
                err.println("kindling " + name + ": error: " + e.getMessage());
                return ExitCode.BAD_USAGE.code;
            } catch (NoSuchTableException e) {
                err.println("kindling " + name + ": error: table " + table + " is not an Iceberg table in env " + env + "'s catalog");
                return ExitCode.BAD_USAGE.code;
            } catch (Exception e) { // the catalog did not answer, a commit lost a race: worth a retry
                err.println("kindling " + name + ": failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
                return ExitCode.JOB_FAILED.code;
            }
        }

        abstract int run(TableName name, Table table, Catalog catalog, PrintStream out);
    }

    @Command(name = "history", mixinStandardHelpOptions = true,
            description = "List a table's publishes, newest first: when, the snapshot, the job, run and logical date that published it, "
                    + "the partition, rows added and removed; a restored snapshot is marked. Reads the catalog; no Spark.")
    static final class History extends TableCommand {
        @Option(names = "--date", paramLabel = "YYYY-MM-DD", converter = CommonOptions.DateConverter.class,
                description = "Only the publishes of runs for this logical date.")
        LocalDate date;

        @Override
        int run(TableName name, Table table, Catalog catalog, PrintStream out) {
            List<HistoryEntry> log = table.history();
            // a snapshot made current a second time was restored by a rollback
            Set<Long> seen = new HashSet<>();
            List<String> lines = new ArrayList<>();
            for (HistoryEntry entry : log) {
                Snapshot snapshot = table.snapshot(entry.snapshotId());
                Map<String, String> summary = snapshot == null ? Map.of() : snapshot.summary();
                boolean restored = !seen.add(entry.snapshotId());
                if (date != null && !date.toString().equals(summary.get("kindling.logical_date"))) {
                    continue;
                }
                lines.add(String.format("%-24s %-20d %-10s %-28s %-12s %-36s %10s %10s%s",
                        Instant.ofEpochMilli(entry.timestampMillis()), entry.snapshotId(),
                        summary.getOrDefault("kindling.job", "-"), summary.getOrDefault("kindling.run_id", "-"),
                        summary.getOrDefault("kindling.logical_date", "-"), summary.getOrDefault(IcebergTables.PARTITION, "(whole table)"),
                        "+" + summary.getOrDefault("added-records", "0"), "-" + summary.getOrDefault("deleted-records", "0"),
                        restored ? "  (restored by a rollback)" : snapshot == null ? "  (expired)" : ""));
            }
            out.printf("%-24s %-20s %-10s %-28s %-12s %-36s %10s %10s%n", "published", "snapshot", "job", "run", "date", "partition", "added", "removed");
            for (int i = lines.size() - 1; i >= 0; i--) {
                out.println(lines.get(i));
            }
            if (lines.isEmpty()) {
                out.println("(no publishes" + (date == null ? "" : " for " + date) + ")");
            }
            return ExitCode.SUCCESS.code;
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Restore a table exactly as it was at a snapshot, or just before a run's first publish, in one commit "
                    + "(see 'kindling history'); later snapshots stay until they expire, so a rollback can be undone with --to-snapshot. "
                    + "Reads and commits through the catalog; no Spark.")
    static final class Rollback extends TableCommand {
        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        @Option(names = "--dry-run", description = "Say what would be restored and which publishes it undoes; change nothing.")
        boolean dryRun;

        static final class Target {
            @Option(names = "--to-snapshot", required = true, paramLabel = "ID", description = "The snapshot to make current.")
            Long snapshot;

            @Option(names = "--before-run", required = true, paramLabel = "RUN", description = "Restore the table as it was before this run's first publish.")
            String run;
        }

        /**
         * Tables a run publishes together with the one named (a partition's rejected rows, a mailing list's
         * holdout): {@code --before-run} restores them too, each only if that run's publish is in its
         * current history, and before the table named, so that a rollback cut short is finished by running
         * it again.
         */
        static final List<String> COMPANIONS = List.of(SparkOutputs.QUARANTINE_SUFFIX, "_holdout");

        @Override
        int run(TableName name, Table table, Catalog catalog, PrintStream out) {
            Snapshot current = table.currentSnapshot();
            if (current == null) {
                throw new InvalidInputException("table " + name + " has no published snapshot: there is nothing to roll back");
            }
            Snapshot restore = target.snapshot != null ? snapshot(name, table, target.snapshot) : beforeRun(name, table, target.run);
            if (target.run != null) {
                for (String suffix : COMPANIONS) {
                    restoreCompanion(name.withSuffix(suffix), catalog, out);
                }
            }
            return restore(name, table, current, restore, out);
        }

        /** A companion table of the run: restored as it was before the run, when the run published into it. */
        private void restoreCompanion(TableName name, Catalog catalog, PrintStream out) {
            TableIdentifier id = IcebergTables.identifier(name);
            if (!catalog.tableExists(id)) {
                return;
            }
            Table table = catalog.loadTable(id);
            Snapshot current = table.currentSnapshot();
            Snapshot first = current == null ? null : firstOfRun(table, target.run);
            if (first == null) {
                return;
            }
            if (first.parentId() == null || table.snapshot(first.parentId()) == null) {
                out.println("kindling rollback: " + name + " left as it is: run " + target.run + " made its first snapshot kept;"
                        + " its rows are that run's (drop the table if they must go)");
                return;
            }
            restore(name, table, current, table.snapshot(first.parentId()), out);
        }

        private int restore(TableName name, Table table, Snapshot current, Snapshot restore, PrintStream out) {
            if (restore.snapshotId() == current.snapshotId()) {
                out.println("kindling rollback: " + name + " is at snapshot " + restore.snapshotId() + " already; nothing changed");
                return ExitCode.SUCCESS.code;
            }
            String undone = undone(table, current, restore);
            if (dryRun) {
                out.println("kindling rollback: dry run: would restore " + name + " to " + describe(restore) + "; it is at " + describe(current) + undone);
                return ExitCode.SUCCESS.code;
            }
            try {
                table.manageSnapshots().setCurrentSnapshot(restore.snapshotId()).commit();
            } catch (CommitFailedException e) {
                throw new IllegalStateException("another commit to " + name + " came first; nothing was changed (a retry looks again)", e);
            }
            out.println("kindling rollback: restored " + name + " to " + describe(restore) + "; it was at " + describe(current) + undone);
            return ExitCode.SUCCESS.code;
        }

        private static Snapshot snapshot(TableName name, Table table, long id) {
            Snapshot snapshot = table.snapshot(id);
            if (snapshot == null) {
                throw new InvalidInputException("--to-snapshot " + id + " is not a snapshot of " + name
                        + " (expired, or never one); 'kindling history --table " + name + "' lists those there are");
            }
            return snapshot;
        }

        /** The oldest snapshot of the run in the current snapshot's history; null if there is none. */
        private static Snapshot firstOfRun(Table table, String run) {
            Snapshot first = null;
            for (Snapshot ancestor : SnapshotUtil.ancestorsOf(table.currentSnapshot().snapshotId(), table::snapshot)) {
                if (run.equals(ancestor.summary().get(IcebergTables.RUN_ID))) {
                    first = ancestor;
                }
            }
            return first;
        }

        /** The parent of the oldest snapshot of the run in the current snapshot's history. */
        private static Snapshot beforeRun(TableName name, Table table, String run) {
            Snapshot first = firstOfRun(table, run);
            if (first == null) {
                throw new InvalidInputException("--before-run " + run + ": no publish of that run is in " + name
                        + "'s current history; 'kindling history --table " + name + "' lists the runs there are");
            }
            if (first.parentId() == null || table.snapshot(first.parentId()) == null) {
                throw new InvalidInputException("--before-run " + run + ": that run made " + name + "'s first snapshot kept"
                        + " (there is no earlier one to restore); drop the table, or name a snapshot with --to-snapshot");
            }
            return table.snapshot(first.parentId());
        }

        /** The publishes between the restored snapshot and the current one that the rollback takes back, if it is an ancestor. */
        private static String undone(Table table, Snapshot current, Snapshot restore) {
            if (!SnapshotUtil.isAncestorOf(table, current.snapshotId(), restore.snapshotId())) {
                return "";
            }
            List<String> runs = new ArrayList<>();
            for (Snapshot snapshot : SnapshotUtil.ancestorsBetween(current.snapshotId(), restore.snapshotId(), table::snapshot)) {
                runs.add(snapshot.summary().getOrDefault(IcebergTables.RUN_ID, "snapshot " + snapshot.snapshotId())
                        + Optional.ofNullable(snapshot.summary().get(IcebergTables.PARTITION)).map(p -> " (" + p + ")").orElse(""));
            }
            return "; undoes " + runs.size() + (runs.size() == 1 ? " publish: " : " publishes: ") + String.join(", ", runs);
        }

        private static String describe(Snapshot snapshot) {
            Map<String, String> summary = snapshot.summary();
            return "snapshot " + snapshot.snapshotId() + " (" + Instant.ofEpochMilli(snapshot.timestampMillis())
                    + Optional.ofNullable(summary.get(IcebergTables.RUN_ID)).map(run -> ", run " + run).orElse("")
                    + Optional.ofNullable(summary.get("kindling.logical_date")).map(d -> ", date " + d).orElse("") + ")";
        }
    }
}
