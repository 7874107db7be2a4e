package dev.kindling.dsl;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.kindling.dsl.publish.IcebergSql;
import dev.kindling.dsl.publish.TableWriter;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Writes a mailing list, only the columns a mailing needs, through a {@link TableWriter}, so that
 * readers see the previous list or the new one, never a partial one. The list is an Iceberg table,
 * replaced by write-audit-publish ({@link dev.kindling.dsl.publish.StagedTable}): the rows and their CSV
 * copy are written on a branch no reader sees, counted there, then published in one commit. A failed
 * run publishes nothing and leaves the list as it was; a reader that began before the publish finishes
 * on the list it began with. Only SQL and the unified Dataset API are used, so this also works over
 * Spark Connect.
 * <p>
 * Every list is also recorded in the mailing history ({@link Tables#mailingHistory()}): its users go
 * into partition (prepared_on = the marketplace's day, mailing = the list's name), which a rerun of
 * the same list on the same day replaces, through the same writer. A holdout's users are not recorded:
 * they were not mailed. The history keeps {@link Tables#MAILING_HISTORY_DAYS} days before the list's
 * day, as far back as notMailedInLast may look: older days are deleted as each list is written.
 * <p>
 * Users on the standing suppression list ({@link Tables#suppressions()}) are removed, with an anti-join
 * on user_id, from every list whatever its audience. It fails closed: a suppression list that does not
 * exist, or has no user_id column, is an {@link AudienceException} before anything is written; one that
 * cannot be read fails the write, and nothing is published either way. The report counts the audience's
 * suppressed users (one more query over the audience, skipped when the writer writes nothing) and,
 * through the writer, how the new list differs from the one it replaces.
 */
final class MailingExport {

    /** The columns a mailing needs, and nothing else about the user. */
    static final List<String> COLUMNS = List.of(Tables.USER_ID, Tables.FIRST_NAME, Tables.EMAIL, Tables.POSTAL_CODE);

    /** The setting that names the suppression list in jobs and shells (the jobs' Settings declare it). */
    static final String SUPPRESSIONS_SETTING = "marketplace.suppressions.table";
    /** The setting that limits how much of the suppression list may vanish between two mailings of a list. */
    static final String MAX_LOSS_SETTING = "marketplace.suppressions.max.loss.percent";

    private final SparkSession spark;
    private final String database;
    private final String history;
    private final java.time.LocalDate day;
    private final String suppressions;
    private final int maxLossPercent;

    MailingExport(Marketplace marketplace) {
        this.spark = marketplace.spark();
        this.database = marketplace.tables().mailingDatabase().toLowerCase(Locale.ROOT);
        this.history = marketplace.tables().mailingHistory().toLowerCase(Locale.ROOT);
        this.day = marketplace.asOf();
        this.suppressions = marketplace.tables().suppressions();
        this.maxLossPercent = marketplace.tables().suppressionsMaxLossPercent();
    }

    /**
     * Writes the users for whom {@code heldOut} is false as list {@code name}, and, when heldOut is
     * given, the others as {@code <name>_holdout}.
     * <p>
     * The order keeps the history from ever missing a published list: (1) the history partition (then
     * the history's expired days are deleted), (2) the holdout, (3) the list, each published in one commit. A run that fails before (1) publishes
     * leaves everything as it was. One that fails after (1) and before (3) leaves a history that names users
     * of a list readers do not see yet (and maybe a new holdout beside the old list): in that window
     * notMailedInLast errs on the side of rest, never of mailing someone twice; the run fails, and its
     * rerun of the same day replaces the same partition and publishes the list. The history and the list
     * are two reads of the same query: they agree unless the marketplace's tables change between them.
     */
    MailingList write(String name, Dataset<Row> users, Column heldOut, TableWriter writer) {
        String listName = name.toLowerCase(Locale.ROOT);
        String table = database + "." + listName;
        Suppressions suppressions = suppressionList(); // fails closed before anything is written
        Dataset<Row> suppressed = suppressions.users();
        Map<String, String> facts = writer.writes() ? suppressions.checkedAgainstLastMailingOf(table) : Map.of();
        long suppressedInAudience = writer.writes() ? users.join(suppressed, Tables.USER_ID, "left_semi").count() : 0;
        Dataset<Row> mailable = users.join(suppressed, Tables.USER_ID, "left_anti");
        Dataset<Row> listed = heldOut == null ? mailable : mailable.where(not(heldOut));
        writer.replacePartition(history, Tables.PREPARED_ON + " DATE, " + Tables.MAILING + " STRING", List.of(day.toString(), listName),
                listed.select(col(Tables.USER_ID).cast("bigint").as(Tables.USER_ID)));
        writer.deletePartitionsBefore(history, Tables.PREPARED_ON, day.minusDays(Tables.MAILING_HISTORY_DAYS));
        long held = heldOut == null ? 0 : writer.replaceWithCsv(table + MailingList.HOLDOUT_SUFFIX, mailingColumns(mailable.where(heldOut)), Tables.USER_ID, facts).rows();
        TableWriter.Replaced written = writer.replaceWithCsv(table, mailingColumns(listed), Tables.USER_ID, facts);
        return new MailingList(table, written.rows(), suppressedInAudience, written.difference(), written.csvFolder(), held);
    }

    /**
     * The suppression list as one read sees it: an Iceberg table pinned at its current snapshot, so the
     * count, the report and both writes of the list read the same users even while it is being rewritten.
     */
    private record Suppressions(String table, Dataset<Row> users, Long snapshot, int maxLossPercent, SparkSession spark) {

        /** Summary keys of a published list: how many users its suppression list had, and at which snapshot. */
        static final String ROWS = "kindling.suppressions.rows";
        static final String SNAPSHOT = "kindling.suppressions.snapshot";

        /**
         * Counts the list (an Iceberg snapshot's summary has the count; another table is counted) and
         * refuses it if it lost more than allowed since the last publish of mailing list {@code list}; the
         * count is recorded with this publish, for the next one.
         */
        Map<String, String> checkedAgainstLastMailingOf(String list) {
            long rows = snapshot == null ? users.count() : IcebergSql.totalRecords(spark, table, snapshot);
            Long before = lastCount(list);
            if (before != null && before > 0 && maxLossPercent < 100 && (before - rows) * 100 > before * maxLossPercent) {
                throw new SuppressionListShrankException("prepareForMailing: the suppression list " + table + " has " + rows + (rows == 1 ? " user, " : " users, ")
                        + before + " when " + list + " was last published: it lost more than " + maxLossPercent + "% of them, which looks like an"
                        + " overwrite gone wrong; nothing was published. Check the list; if it is right, set " + MAX_LOSS_SETTING + "=100 for this run");
            }
            Map<String, String> facts = new java.util.TreeMap<>(Map.of(ROWS, Long.toString(rows)));
            if (snapshot != null) {
                facts.put(SNAPSHOT, snapshot.toString());
            }
            return facts;
        }

        /** The suppression list's size recorded by the list's published snapshot; null if it has none (a first mailing, or an older Kindling's). */
        private Long lastCount(String list) {
            if (!spark.catalog().tableExists(list) || !IcebergSql.isIceberg(spark, list)) {
                return null; // a first mailing; a list of an older Kindling is refused by the write itself
            }
            Long published = IcebergSql.branchSnapshot(spark, list, "main");
            String count = published == null ? null : IcebergSql.summary(spark, list, published).get(ROWS);
            return count == null ? null : Long.valueOf(count);
        }
    }

    /** The suppression list's user ids; an AudienceException, naming the table and the setting, if it is missing or has no user_id. */
    private Suppressions suppressionList() {
        String fix = "; nothing was published. Create it (user_id BIGINT, reason STRING, since DATE) or point setting " + SUPPRESSIONS_SETTING + " at it";
        Dataset<Row> list;
        StructType schema;
        try {
            list = spark.table(suppressions);
            schema = list.schema(); // over Spark Connect, the lookup happens here
        } catch (Exception e) { // Spark's AnalysisException is checked in Java, but thrown undeclared
            if (e instanceof AnalysisException analysis && "TABLE_OR_VIEW_NOT_FOUND".equals(analysis.getCondition())) {
                throw new AudienceException("prepareForMailing: the suppression list " + suppressions + " does not exist" + fix);
            }
            throw e; // the metastore not answering, say: not the analyst's mistake, and a retry may pass
        }
        if (Arrays.stream(schema.fieldNames()).noneMatch(Tables.USER_ID::equalsIgnoreCase)) {
            throw new AudienceException("prepareForMailing: the suppression list " + suppressions + " has no column " + Tables.USER_ID
                    + " (its columns: " + String.join(", ", schema.fieldNames()) + ")" + fix);
        }
        Long snapshot = IcebergSql.isIceberg(spark, suppressions) ? IcebergSql.branchSnapshot(spark, suppressions, "main") : null;
        Dataset<Row> users = snapshot == null ? list.select(col(Tables.USER_ID))
                : spark.sql("SELECT " + Tables.USER_ID + " FROM " + IcebergSql.inCatalog(suppressions) + " VERSION AS OF " + snapshot);
        return new Suppressions(suppressions, users, snapshot, maxLossPercent, spark);
    }

    private static Dataset<Row> mailingColumns(Dataset<Row> users) {
        return users.select(COLUMNS.stream().map(c -> col(c)).toArray(Column[]::new));
    }
}
