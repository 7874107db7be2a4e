package dev.kindling.dsl;

import static org.apache.spark.sql.functions.col;

import java.util.List;
import java.util.Locale;

import dev.kindling.dsl.publish.TableWriter;
import dev.kindling.dsl.publish.VersionedTable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a mailing list, only the columns a mailing needs, through a {@link TableWriter}, so that
 * readers see the previous list or the new one, never a partial one. In a shell the writer is
 * {@link #sqlWriter}: each run writes a new version ({@link VersionedTable}), a managed table
 * {@code <db>.<name>__v<millis>} with the CSV export in its folder ({@code _csv}, which Spark's readers
 * skip); only then is {@code <db>.<name>} pointed at that folder, in one metastore update, and the
 * version it replaced is dropped. A failed run drops its own version and leaves the list as it was.
 * Only SQL and the unified Dataset API are used, so this also works over Spark Connect.
 */
final class MailingExport {

    /** The columns a mailing needs, and nothing else about the user. */
    static final List<String> COLUMNS = List.of(Tables.USER_ID, Tables.FIRST_NAME, Tables.EMAIL, Tables.POSTAL_CODE);

    private final SparkSession spark;
    private final String database;

    MailingExport(Marketplace marketplace) {
        this.spark = marketplace.spark();
        this.database = marketplace.tables().mailingDatabase().toLowerCase(Locale.ROOT);
    }

    MailingList write(String name, Dataset<Row> users) {
        return write(name, users, sqlWriter(spark));
    }

    MailingList write(String name, Dataset<Row> users, TableWriter writer) {
        String table = database + "." + name.toLowerCase(Locale.ROOT);
        TableWriter.Replaced written = writer.replaceWithCsv(table, users.select(COLUMNS.stream().map(c -> col(c)).toArray(Column[]::new)));
        return new MailingList(table, written.rows(), written.csvFolder());
    }

    /** The shell's writer: SQL and the unified Dataset API only. */
    static TableWriter sqlWriter(SparkSession spark) {
        return (table, rows) -> {
            VersionedTable versions = new VersionedTable(spark, table);
            VersionedTable.Version version = versions.stage(rows.schema());
            long count;
            try {
                rows.write().insertInto(version.table());
                spark.table(version.table()).coalesce(1).write().option("header", "true").csv(version.csvFolder());
                count = spark.table(version.table()).count();
            } catch (RuntimeException e) {
                versions.discard(version);
                throw e;
            }
            versions.publish(version);
            return new TableWriter.Replaced(count, version.csvFolder());
        };
    }
}
