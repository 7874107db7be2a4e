package dev.kindling.dsl;

import static org.apache.spark.sql.functions.col;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a mailing list so that readers see the previous list or the new one, never a partial one.
 * Each run writes a new version, a managed table {@code <db>.<name>__v<millis>} with the CSV export in
 * its folder ({@code _csv}, which Spark's readers skip). Only then is {@code <db>.<name>} (an external
 * table) pointed at that folder, in one metastore update; older versions are dropped afterwards. A
 * failed run drops its own version and leaves the list as it was. Only SQL and the unified Dataset
 * API are used, so this also works over Spark Connect.
 */
final class MailingExport {

    /** The columns a mailing needs, and nothing else about the user. */
    static final List<String> COLUMNS = List.of(Tables.USER_ID, Tables.FIRST_NAME, Tables.EMAIL, Tables.POSTAL_CODE);

    private static final String VERSION = "__v";

    private final SparkSession spark;
    private final String database;

    MailingExport(Marketplace marketplace) {
        this.spark = marketplace.spark();
        this.database = marketplace.tables().mailingDatabase().toLowerCase(Locale.ROOT);
    }

    MailingList write(String name, Dataset<Row> users) {
        String table = database + "." + name.toLowerCase(Locale.ROOT);
        String version = table + VERSION + System.currentTimeMillis();
        spark.sql("CREATE DATABASE IF NOT EXISTS " + database);
        long count;
        String csv;
        try {
            users.select(COLUMNS.stream().map(c -> col(c)).toArray(Column[]::new))
                    .write().mode(SaveMode.ErrorIfExists).format("parquet").saveAsTable(version);
            String folder = location(version);
            csv = folder + "/_csv";
            spark.table(version).coalesce(1).write().option("header", "true").csv(csv);
            count = spark.table(version).count();
            if (spark.catalog().tableExists(table)) {
                spark.sql("ALTER TABLE " + table + " SET LOCATION " + sqlString(folder));
                spark.catalog().refreshTable(table);
            } else {
                spark.sql("CREATE TABLE " + table + " USING parquet LOCATION " + sqlString(folder));
            }
        } catch (RuntimeException e) {
            spark.sql("DROP TABLE IF EXISTS " + version);
            throw e;
        }
        dropVersionsOtherThan(table, version);
        return new MailingList(table, count, csv);
    }

    private void dropVersionsOtherThan(String table, String keep) {
        String name = table.substring(database.length() + 1);
        Pattern versionOf = Pattern.compile(Pattern.quote(name + VERSION) + "\\d+");
        for (Row row : spark.sql("SHOW TABLES IN " + database).collectAsList()) {
            String other = row.getString(row.fieldIndex("tableName"));
            if (versionOf.matcher(other).matches() && !(database + "." + other).equals(keep)) {
                spark.sql("DROP TABLE IF EXISTS " + database + "." + other);
            }
        }
    }

    private String location(String table) {
        return spark.sql("DESCRIBE TABLE EXTENDED " + table).where(col("col_name").equalTo("Location"))
                .select("data_type").first().getString(0);
    }

    private static String sqlString(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
