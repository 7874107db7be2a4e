package dev.kindling.export;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import dev.kindling.template.DataQualityException;
import dev.kindling.template.InvalidInputException;
import org.apache.logging.log4j.Logger;

/**
 * The driver's side of an export: one PostgreSQL session for the whole run. It checks the target,
 * creates the run's staging table (holding a session advisory lock on its name for as long as the run
 * lives), and publishes the staged rows in one transaction. Staging tables of the same target that no
 * live run holds (a killed run's) are dropped by the next run.
 */
final class PgExport implements AutoCloseable {

    /** SQLSTATEs of rows that break the target's constraints: the data's fault, not the run's. */
    private static final List<String> DATA_STATES = List.of("23505", "23502", "23503", "23514", "21000", "22001", "22003", "22P05", "22021");
    /** A partition bound that overlaps another partition's. */
    private static final String OVERLAPPING_PARTITION = "42P17";

    /** What is exported: the rows' columns, how they go in, and the logical date's column and value (no column with --whole-table). */
    record Rows(List<PgColumns.Column> columns, ExportJob.Mode mode, List<String> key, PgColumns.Column dateColumn, String date) {

        List<String> upsertKey() {
            return mode == ExportJob.Mode.UPSERT ? key : List.of();
        }

        /** Replacing one date whose column PostgreSQL partitions by here: a date or text column, whose partition bound is recognised. */
        boolean replacesAPartition() {
            return mode == ExportJob.Mode.REPLACE_DATE && dateColumn != null
                    && (dateColumn.pgType().equals("date") || dateColumn.pgType().equals("text"));
        }
    }

    /**
     * How the staged rows become the target's. The first two write each row once (the staging table is
     * logged and itself becomes the data); the last writes each row a second time.
     */
    enum Publish {
        /** The target is missing: the staging table becomes it, or, replacing a date, the first partition of a new table partitioned by the date. */
        NEW_TABLE("the staging table became the table"),
        /** Replacing a date of a target list-partitioned by the date column that this user owns: the staging table replaces the date's partition. */
        SWAP_PARTITION("the staging table replaced the date's partition"),
        /** Any other target, and upserts: the staged rows are inserted, or upserted, into it. */
        INSERT("inserted from the staging table");

        private final String description;

        Publish(String description) {
            this.description = description;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    private final Connection session;
    private final PgSql.Table target;
    private final Rows rows;
    private final Logger log;
    private PgSql.Table staging;
    private boolean stagingBecomesTarget;

    private PgExport(Connection session, PgSql.Table target, Rows rows, Logger log) {
        this.session = session;
        this.target = target;
        this.rows = rows;
        this.log = log;
    }

    static PgExport open(String url, Properties credentials, PgSql.Table target, Rows rows, Logger log) throws SQLException {
        return new PgExport(connect(url, credentials), target, rows, log);
    }

    /** A connection through the PostgreSQL driver itself (no DriverManager: the class loader that sees it is ours). */
    static Connection connect(String url, Properties credentials) throws SQLException {
        Properties properties = new Properties();
        properties.putAll(credentials);
        properties.setProperty("ApplicationName", "kindling-export");
        properties.setProperty("connectTimeout", "10");
        Connection connection = new org.postgresql.Driver().connect(url, properties);
        if (connection == null) {
            throw new InvalidInputException("--target-url is not a PostgreSQL JDBC URL");
        }
        return connection;
    }

    /** The target's columns (name to type, in table order), or null when the table does not exist. */
    Map<String, String> targetColumns() throws SQLException {
        if (!exists(target)) {
            return null;
        }
        Map<String, String> columns = new LinkedHashMap<>();
        try (PreparedStatement query = session.prepareStatement("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
                + " WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
            query.setString(1, target.sql());
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return columns;
    }

    /**
     * Checks, before anything is written, that the rows can go into the target: its schema exists, an
     * existing table has exactly these columns and types, and for an upsert a unique index on exactly
     * the key. Exit 2 otherwise.
     */
    void check() throws SQLException {
        try (PreparedStatement schema = session.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
            schema.setString(1, target.schema());
            try (ResultSet rs = schema.executeQuery()) {
                if (!rs.next()) {
                    throw new InvalidInputException("--target-table '" + target + "': schema '" + target.schema() + "' does not exist; nothing was written");
                }
            }
        }
        Map<String, String> existing = targetColumns();
        if (existing == null) {
            return;
        }
        String difference = PgColumns.difference(existing, rows.columns());
        if (!difference.isEmpty()) {
            throw new InvalidInputException("--target-table '" + target + "' has other columns than the source: " + difference + "; nothing was written");
        }
        if (!rows.upsertKey().isEmpty() && !hasUniqueIndexOn(rows.upsertKey())) {
            throw new InvalidInputException("--target-table '" + target + "' has no primary key or unique index on exactly --key "
                    + String.join(",", rows.upsertKey()) + ", which an upsert needs; nothing was written");
        }
    }

    /** The cheapest way to publish into the target as it is now. */
    Publish plan() throws SQLException {
        if (!exists(target)) {
            return Publish.NEW_TABLE;
        }
        return rows.replacesAPartition() && partitionedByTheDateAndOwned() ? Publish.SWAP_PARTITION : Publish.INSERT;
    }

    /**
     * Whether the target is list-partitioned by exactly the date column, owned by a role of this user
     * (attaching and dropping partitions needs that), without a default partition (which may hold the
     * date's rows).
     */
    private boolean partitionedByTheDateAndOwned() throws SQLException {
        String sql = "SELECT p.partstrat = 'l' AND p.partnatts = 1 AND a.attname = ? AND pg_has_role(c.relowner, 'USAGE')"
                + " AND NOT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid"
                + "                 WHERE i.inhparent = c.oid AND pg_get_expr(k.relpartbound, k.oid) = 'DEFAULT')"
                + " FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
                + " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0]"
                + " WHERE p.partrelid = to_regclass(?)";
        try (PreparedStatement query = session.prepareStatement(sql)) {
            query.setString(1, rows.dateColumn().name());
            query.setString(2, target.sql());
            try (ResultSet rs = query.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** The target's partition holding only the date, or null when it has none. */
    private PgSql.Table partitionOfTheDate() throws SQLException {
        try (PreparedStatement query = session.prepareStatement("SELECT n.nspname, k.relname FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid"
                + " JOIN pg_namespace n ON n.oid = k.relnamespace WHERE i.inhparent = to_regclass(?) AND pg_get_expr(k.relpartbound, k.oid) = ?")) {
            query.setString(1, target.sql());
            query.setString(2, PgSql.partitionBound(rows.date()));
            try (ResultSet rs = query.executeQuery()) {
                return rs.next() ? new PgSql.Table(rs.getString(1), rs.getString(2)) : null;
            }
        }
    }

    private boolean exists(PgSql.Table table) throws SQLException {
        return yesOrNo("SELECT to_regclass(?) IS NOT NULL", table.sql());
    }

    /** The answer of a query of one boolean about one text. */
    private boolean yesOrNo(String sql, String value) throws SQLException {
        try (PreparedStatement query = session.prepareStatement(sql)) {
            query.setString(1, value);
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private boolean hasUniqueIndexOn(List<String> key) throws SQLException {
        String sql = "SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_index i"
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
                + " WHERE i.indrelid = to_regclass(?) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL GROUP BY i.indexrelid";
        List<String> wanted = key.stream().sorted().toList();
        try (PreparedStatement query = session.prepareStatement(sql)) {
            query.setString(1, target.sql());
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    if (List.of((String[]) rs.getArray(1).getArray()).equals(wanted)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Drops the staging tables of this target that killed runs left: those named with the target's
     * staging prefix, started before this run, whose name's advisory lock no session holds (a run holds
     * its own until its session ends). Returns how many were dropped.
     */
    int dropLeftoverStaging(long startedMillis) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement query = session.prepareStatement("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relkind = 'r' AND starts_with(c.relname, ?)")) {
            query.setString(1, target.schema());
            query.setString(2, target.stagingPrefix());
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        int dropped = 0;
        for (String name : names) {
            PgSql.Table leftover = new PgSql.Table(target.schema(), name);
            if (startedAt(name) >= startedMillis || !tryLock(leftover)) {
                continue;
            }
            try (Statement drop = session.createStatement()) {
                drop.execute(PgSql.dropTable(leftover));
                dropped++;
            } finally {
                unlock(leftover);
            }
        }
        return dropped;
    }

    private long startedAt(String stagingName) {
        String[] parts = stagingName.substring(target.stagingPrefix().length()).split("_");
        try {
            return Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // not a name this job made: left alone
        }
    }

    private boolean tryLock(PgSql.Table table) throws SQLException {
        return yesOrNo("SELECT pg_try_advisory_lock(hashtext(?))", table.toString());
    }

    private void unlock(PgSql.Table table) throws SQLException {
        try (PreparedStatement unlock = session.prepareStatement("SELECT pg_advisory_unlock(hashtext(?))")) {
            unlock.setString(1, table.toString());
            unlock.execute();
        }
    }

    /**
     * Locks the run's staging name for this session, then creates the table: logged, and checked to hold
     * only the date's rows where it is to become a partition, when the plan is that it becomes the target's
     * data; unlogged when its rows are to be inserted.
     */
    PgSql.Table createStaging(Publish plan, long startedMillis) throws SQLException {
        PgSql.Table table = target.staging(startedMillis, UUID.randomUUID().toString().substring(0, 8));
        if (!tryLock(table)) {
            throw new IllegalStateException("the staging table name " + table + " is locked by another session");
        }
        staging = table;
        stagingBecomesTarget = plan != Publish.INSERT;
        try (Statement create = session.createStatement()) {
            create.execute(PgSql.createStaging(table, rows.columns(), stagingBecomesTarget,
                    stagingBecomesTarget && rows.replacesAPartition() ? rows.dateColumn() : null, rows.date()));
        }
        return table;
    }

    /**
     * In one transaction, under a lock that puts publishes of one target one after the other: waits for
     * any task still writing the staging table, checks that it holds exactly {@code rowsRead} rows, and
     * publishes them the cheapest way the target allows now (another run may have created it meanwhile):
     * the staging table becomes the new target or the date's partition, or its rows are inserted or
     * upserted (deleting first the rows they replace: the date's, or every row with --whole-table).
     * Anything else rolls back: the target stays as it was. Returns the rows written.
     */
    long publish(long rowsRead) throws SQLException {
        session.setAutoCommit(false);
        try {
            try (PreparedStatement lock = session.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, "kindling-export:" + target);
                lock.execute();
            }
            Publish how = stagingBecomesTarget ? plan() : Publish.INSERT;
            if (how != Publish.NEW_TABLE) {
                check(); // another run may have created the target since this run's check
            }
            try (Statement statement = session.createStatement()) {
                statement.execute(PgSql.lockExclusively(staging));
                long staged;
                try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM " + staging.sql())) {
                    rs.next();
                    staged = rs.getLong(1);
                }
                if (staged != rowsRead) {
                    throw new IllegalStateException("the staging table holds " + staged + " rows, Spark read " + rowsRead + "; nothing was written");
                }
                if (how != Publish.INSERT) {
                    statement.execute(PgSql.dropPartitionColumn(staging)); // it is to become the target's data
                }
                long written = switch (how) {
                    case NEW_TABLE -> becomeTheTarget(statement, staged);
                    case SWAP_PARTITION -> replaceTheDatePartition(statement, staged);
                    case INSERT -> insertFromStaging(statement, rowsRead);
                };
                session.commit();
                staging = null;
                log.info("published {} rows into {}: {}", written, target, how);
                return written;
            }
        } catch (SQLException | RuntimeException e) {
            session.rollback();
            if (e instanceof SQLException sql && DATA_STATES.contains(sql.getSQLState())) {
                throw new DataQualityException("PostgreSQL refused the rows for " + target + ": " + firstLine(sql.getMessage())
                        + " (SQLSTATE " + sql.getSQLState() + "); rolled back, nothing was written");
            }
            if (e instanceof SQLException sql && OVERLAPPING_PARTITION.equals(sql.getSQLState())) {
                throw new InvalidInputException("--target-table '" + target + "' has a partition that holds " + rows.dateColumn().name() + " = "
                        + rows.date() + " beside other values; the export replaces a partition of one date only: " + firstLine(sql.getMessage())
                        + "; nothing was written");
            }
            throw e;
        } finally {
            session.setAutoCommit(true);
        }
    }

    /** The staging table becomes the missing target, or, replacing a date, the first partition of a new target partitioned by the date. */
    private long becomeTheTarget(Statement statement, long staged) throws SQLException {
        if (rows.replacesAPartition()) {
            statement.execute(PgSql.createPartitionedTarget(target, rows.columns(), rows.dateColumn()));
            attachAsTheDatePartition(statement);
        } else {
            statement.execute(PgSql.rename(staging, target));
            if (!rows.upsertKey().isEmpty()) {
                statement.execute(PgSql.addPrimaryKey(target, rows.upsertKey()));
            }
        }
        log.info("created PostgreSQL table {}", target);
        return staged;
    }

    /** The staging table replaces the date's partition (dropped in the same transaction), or becomes it. */
    private long replaceTheDatePartition(Statement statement, long staged) throws SQLException {
        PgSql.Table old = partitionOfTheDate();
        if (old != null) {
            statement.execute(PgSql.dropTable(old));
        }
        attachAsTheDatePartition(statement);
        return staged;
    }

    /**
     * Renames the staging table to the date's partition name and attaches it; its check on the date spares
     * PostgreSQL a scan. The target's NOT NULL columns and CHECK constraints, which a partition must have,
     * are given to it first, in one statement (one pass over its rows; a row that breaks them is exit 3);
     * its unique indexes and foreign keys PostgreSQL adds and checks as it attaches.
     */
    private void attachAsTheDatePartition(Statement statement) throws SQLException {
        List<String> constraints = new ArrayList<>();
        try (PreparedStatement query = session.prepareStatement("SELECT 'ALTER COLUMN ' || quote_ident(attname) || ' SET NOT NULL' FROM pg_attribute"
                + " WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped AND attnotnull"
                + " UNION ALL SELECT 'ADD CONSTRAINT ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid) FROM pg_constraint"
                + " WHERE conrelid = to_regclass(?) AND contype = 'c'")) {
            query.setString(1, target.sql());
            query.setString(2, target.sql());
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    constraints.add(rs.getString(1));
                }
            }
        }
        if (!constraints.isEmpty()) {
            statement.execute("ALTER TABLE " + staging.sql() + " " + String.join(", ", constraints));
        }
        PgSql.Table partition = target.partition(rows.date());
        if (exists(partition)) {
            throw new InvalidInputException("--target-table '" + target + "': the table " + partition + " is in the way of the date's partition"
                    + " (it is not the partition of " + rows.dateColumn().name() + " = " + rows.date() + "); nothing was written");
        }
        statement.execute(PgSql.rename(staging, partition));
        statement.execute(PgSql.attachPartition(target, partition, rows.dateColumn(), rows.date()));
        statement.execute(PgSql.dropDateCheck(partition));
    }

    /** Creates the target if it is missing, deletes the rows to replace, inserts or upserts the staged rows: exactly {@code rowsRead}. */
    private long insertFromStaging(Statement statement, long rowsRead) throws SQLException {
        if (!exists(target)) {
            statement.execute(PgSql.createTarget(target, rows.columns(), rows.upsertKey()));
            log.info("created PostgreSQL table {}", target);
        }
        if (rows.mode() == ExportJob.Mode.REPLACE_DATE) {
            if (rows.dateColumn() == null) {
                statement.executeUpdate(PgSql.deleteAll(target));
            } else {
                try (PreparedStatement delete = session.prepareStatement(PgSql.deleteDate(target, rows.dateColumn()))) {
                    delete.setString(1, rows.date());
                    delete.executeUpdate();
                }
            }
        }
        long written = statement.executeLargeUpdate(rows.mode() == ExportJob.Mode.UPSERT
                ? PgSql.upsertFromStaging(target, staging, rows.columns(), rows.key())
                : PgSql.insertFromStaging(target, staging, rows.columns()));
        if (written != rowsRead) {
            throw new IllegalStateException("PostgreSQL wrote " + written + " rows, Spark read " + rowsRead + "; rolled back, nothing was written");
        }
        statement.execute(PgSql.dropTable(staging));
        return written;
    }

    /** Drops a staging table this run did not publish (best effort: the next run drops what is left), and ends the session. */
    @Override
    public void close() {
        try {
            if (staging != null && !session.isClosed()) {
                try (Statement drop = session.createStatement()) {
                    drop.execute(PgSql.dropTable(staging));
                }
            }
        } catch (SQLException e) {
            log.warn("could not drop the staging table {} (the next run of {} drops it): {}", staging, target, firstLine(e.getMessage()));
        } finally {
            try {
                session.close();
            } catch (SQLException ignored) {
                // the session's end releases its locks either way
            }
        }
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }
}
