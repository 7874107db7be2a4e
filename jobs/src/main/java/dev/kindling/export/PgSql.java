package dev.kindling.export;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.kindling.template.InvalidInputException;

/**
 * The SQL the export sends to PostgreSQL. Every name is quoted; the only values are bound parameters
 * (the logical date) or rows sent through COPY, never pasted into SQL.
 */
final class PgSql {

    /** PostgreSQL keeps at most 63 bytes of a name (NAMEDATALEN - 1) and silently cuts longer ones. */
    static final int MAX_NAME = 63;
    /** The staging table's column that tells which Spark partition wrote a row. */
    static final String PARTITION_COLUMN = "_kindling_spark_partition";
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final Pattern DATE = Pattern.compile("[+-]?[0-9]{4,9}-[0-9]{2}-[0-9]{2}");
    /** The check a staging table that becomes a date's partition carries, so that attaching it scans nothing. */
    static final String DATE_CHECK = "kindling_logical_date";
    private static final String STAGING_PREFIX = "kindling_stage_";

    private PgSql() {
    }

    /** A PostgreSQL table: schema (public unless given) and name. */
    record Table(String schema, String name) implements java.io.Serializable {

        /**
         * Parses {@code table} or {@code schema.table}: lower-case letters, digits and '_', not starting
         * with a digit, at most 63 characters each (what PostgreSQL keeps of an unquoted name as typed).
         */
        static Table parse(String option, String value) {
            String[] parts = value == null ? new String[0] : value.split("\\.", -1);
            boolean valid = parts.length >= 1 && parts.length <= 2;
            for (String part : parts) {
                valid &= part.length() <= MAX_NAME && NAME.matcher(part).matches();
            }
            if (!valid) {
                String shown = value == null ? "" : value.length() <= 80 ? value : value.substring(0, 80) + "... (" + value.length() + " characters)";
                throw new InvalidInputException(option + " '" + shown + "' is not a PostgreSQL table name: use table or schema.table"
                        + " (lower-case letters, digits and '_', not starting with a digit, at most " + MAX_NAME + " characters each)");
            }
            return parts.length == 1 ? new Table("public", parts[0]) : new Table(parts[0], parts[1]);
        }

        String sql() {
            return quote(schema) + "." + quote(name);
        }

        @Override
        public String toString() {
            return schema + "." + name;
        }

        /** The first part of every staging table's name of this target: the next runs find leftovers by it. */
        String stagingPrefix() {
            return STAGING_PREFIX + hash() + "_";
        }

        /** 10 hex digits of the SHA-256 of schema.name: tells targets apart in names cut to PostgreSQL's length. */
        private String hash() {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(toString().getBytes(StandardCharsets.UTF_8));
                return HexFormat.of().formatHex(digest, 0, 5);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A run's staging table, in the target's schema: the prefix, the run's start (epoch ms) and a random tag. */
        Table staging(long startedMillis, String tag) {
            return new Table(schema, stagingPrefix() + startedMillis + "_" + tag);
        }

        /**
         * The name the export gives the partition of one date: {@code <table>_<yyyymmdd>}, the table's
         * name cut and told apart by a hash where that would pass PostgreSQL's 63 bytes.
         */
        Table partition(String date) {
            String suffix = "_" + requireDate(date).replace("-", "").replace("+", "");
            String base = name.length() + suffix.length() <= MAX_NAME ? name
                    : name.substring(0, MAX_NAME - suffix.length() - 9) + "_" + hash().substring(0, 8);
            return new Table(schema, base + suffix);
        }
    }

    /** A logical date as an ISO date (what LocalDate prints): the only value put into SQL text, where a DDL statement takes no parameter. */
    static String requireDate(String date) {
        if (!DATE.matcher(date).matches()) {
            throw new IllegalArgumentException("not an ISO date: " + date);
        }
        return date;
    }

    /** A name as a quoted identifier: any text stays one name. */
    static String quote(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static String names(List<PgColumns.Column> columns) {
        return columns.stream().map(c -> quote(c.name())).collect(Collectors.joining(", "));
    }

    private static String quoted(List<String> names) {
        return names.stream().map(PgSql::quote).collect(Collectors.joining(", "));
    }

    private static String definitions(List<PgColumns.Column> columns) {
        return columns.stream().map(c -> quote(c.name()) + " " + c.pgType()).collect(Collectors.joining(", "));
    }

    static String createTarget(Table target, List<PgColumns.Column> columns, List<String> key) {
        return "CREATE TABLE " + target.sql() + " (" + definitions(columns)
                + (key.isEmpty() ? "" : ", PRIMARY KEY (" + quoted(key) + ")") + ")";
    }

    /** A target partitioned by the date column, one partition a date: replacing a date is then swapping its partition. */
    static String createPartitionedTarget(Table target, List<PgColumns.Column> columns, PgColumns.Column dateColumn) {
        return "CREATE TABLE " + target.sql() + " (" + definitions(columns) + ") PARTITION BY LIST (" + quote(dateColumn.name()) + ")";
    }

    /**
     * Unlogged when the staged rows are inserted into the target from it (a run that dies is run again);
     * logged when the table itself becomes the target or a partition of it, then with the check that
     * every row is of the date when it is to be the date's partition.
     */
    static String createStaging(Table staging, List<PgColumns.Column> columns, boolean becomesTarget, PgColumns.Column dateColumn, String date) {
        String check = dateColumn == null ? "" : ", CONSTRAINT " + quote(DATE_CHECK) + " CHECK (" + quote(dateColumn.name()) + " IS NOT NULL AND "
                + quote(dateColumn.name()) + " = " + dateValue(dateColumn, date) + ")";
        return "CREATE " + (becomesTarget ? "" : "UNLOGGED ") + "TABLE " + staging.sql() + " (" + quote(PARTITION_COLUMN) + " integer NOT NULL, "
                + definitions(columns) + check + ")";
    }

    /** The date as a value of the column's type, in SQL text (DDL takes no parameters; the date is checked to be an ISO date). */
    private static String dateValue(PgColumns.Column dateColumn, String date) {
        return "CAST('" + requireDate(date) + "' AS " + dateColumn.pgType() + ")";
    }

    /** Waits for any task still writing the staging table (a speculative or zombie attempt) and keeps others out until the commit. */
    static String lockExclusively(Table table) {
        return "LOCK TABLE " + table.sql() + " IN ACCESS EXCLUSIVE MODE";
    }

    /** Catalog only: the column's bytes stay in the rows, invisible, until the table is rewritten. */
    static String dropPartitionColumn(Table staging) {
        return "ALTER TABLE " + staging.sql() + " DROP COLUMN " + quote(PARTITION_COLUMN);
    }

    static String rename(Table table, Table to) {
        return "ALTER TABLE " + table.sql() + " RENAME TO " + quote(to.name());
    }

    static String attachPartition(Table target, Table partition, PgColumns.Column dateColumn, String date) {
        return "ALTER TABLE " + target.sql() + " ATTACH PARTITION " + partition.sql() + " FOR VALUES IN (" + dateValue(dateColumn, date) + ")";
    }

    /** How PostgreSQL prints the bound of the date's partition (pg_get_expr of relpartbound), for a date or text column. */
    static String partitionBound(String date) {
        return "FOR VALUES IN ('" + requireDate(date) + "')";
    }

    static String dropDateCheck(Table partition) {
        return "ALTER TABLE " + partition.sql() + " DROP CONSTRAINT " + quote(DATE_CHECK);
    }

    static String addPrimaryKey(Table table, List<String> key) {
        return "ALTER TABLE " + table.sql() + " ADD PRIMARY KEY (" + quoted(key) + ")";
    }

    static String deletePartitionRows(Table staging) {
        return "DELETE FROM " + staging.sql() + " WHERE " + quote(PARTITION_COLUMN) + " = ?";
    }

    static String copyIntoStaging(Table staging, List<PgColumns.Column> columns) {
        return "COPY " + staging.sql() + " (" + quote(PARTITION_COLUMN) + ", " + names(columns) + ") FROM STDIN (FORMAT csv, ENCODING 'UTF8')";
    }

    /** The rows of one logical date: the date is bound as text and cast to the column's type. */
    static String deleteDate(Table target, PgColumns.Column partitionColumn) {
        return "DELETE FROM " + target.sql() + " WHERE " + quote(partitionColumn.name()) + " = CAST(? AS " + partitionColumn.pgType() + ")";
    }

    /** Every row, as one transaction's DELETE (TRUNCATE would show concurrent readers an empty table). */
    static String deleteAll(Table target) {
        return "DELETE FROM " + target.sql();
    }

    static String insertFromStaging(Table target, Table staging, List<PgColumns.Column> columns) {
        return "INSERT INTO " + target.sql() + " (" + names(columns) + ") SELECT " + names(columns) + " FROM " + staging.sql();
    }

    /** Inserts new keys and updates the other columns of existing ones; a key-only table updates the key to itself. */
    static String upsertFromStaging(Table target, Table staging, List<PgColumns.Column> columns, List<String> key) {
        List<PgColumns.Column> others = columns.stream().filter(c -> !key.contains(c.name())).toList();
        List<PgColumns.Column> set = others.isEmpty() ? columns : others;
        return insertFromStaging(target, staging, columns)
                + " ON CONFLICT (" + quoted(key) + ") DO UPDATE SET "
                + set.stream().map(c -> quote(c.name()) + " = EXCLUDED." + quote(c.name())).collect(Collectors.joining(", "));
    }

    static String dropTable(Table table) {
        return "DROP TABLE IF EXISTS " + table.sql();
    }
}
