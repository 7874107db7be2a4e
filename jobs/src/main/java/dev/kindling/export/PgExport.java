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
    private static final List<String> DATA_STATES = List.of("23505", "23502", "21000", "22001", "22003", "22P05", "22021");

    private final Connection session;
    private final PgSql.Table target;
    private final Logger log;
    private PgSql.Table staging;

    private PgExport(Connection session, PgSql.Table target, Logger log) {
        this.session = session;
        this.target = target;
        this.log = log;
    }

    static PgExport open(String url, Properties credentials, PgSql.Table target, Logger log) throws SQLException {
        return new PgExport(connect(url, credentials), target, log);
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
        try (PreparedStatement exists = session.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            exists.setString(1, target.sql());
            try (ResultSet rs = exists.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return null;
                }
            }
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
    void check(List<PgColumns.Column> columns, List<String> upsertKey) throws SQLException {
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
        String difference = PgColumns.difference(existing, columns);
        if (!difference.isEmpty()) {
            throw new InvalidInputException("--target-table '" + target + "' has other columns than the source: " + difference + "; nothing was written");
        }
        if (!upsertKey.isEmpty() && !hasUniqueIndexOn(upsertKey)) {
            throw new InvalidInputException("--target-table '" + target + "' has no primary key or unique index on exactly --key "
                    + String.join(",", upsertKey) + ", which an upsert needs; nothing was written");
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
        try (PreparedStatement lock = session.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?))")) {
            lock.setString(1, table.toString());
            try (ResultSet rs = lock.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void unlock(PgSql.Table table) throws SQLException {
        try (PreparedStatement unlock = session.prepareStatement("SELECT pg_advisory_unlock(hashtext(?))")) {
            unlock.setString(1, table.toString());
            unlock.execute();
        }
    }

    /** Locks the run's staging name for this session, then creates the table. */
    PgSql.Table createStaging(List<PgColumns.Column> columns, long startedMillis) throws SQLException {
        PgSql.Table table = target.staging(startedMillis, UUID.randomUUID().toString().substring(0, 8));
        if (!tryLock(table)) {
            throw new IllegalStateException("the staging table name " + table + " is locked by another session");
        }
        staging = table;
        try (Statement create = session.createStatement()) {
            create.execute(PgSql.createStaging(table, columns));
        }
        return table;
    }

    /**
     * In one transaction: creates the target if it is missing, deletes the rows to replace (the date's,
     * or with a null date every row; none for an upsert), inserts or upserts the staged rows, checks that
     * the statement wrote exactly {@code rowsRead} rows, drops the staging table and commits. Anything
     * else rolls back: the target stays as it was. Returns the rows written.
     */
    long publish(List<PgColumns.Column> columns, ExportJob.Mode mode, List<String> key, PgColumns.Column dateColumn, String date, long rowsRead)
            throws SQLException {
        session.setAutoCommit(false);
        try {
            try (PreparedStatement lock = session.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, "kindling-export:" + target); // publishes of one target one after the other
                lock.execute();
            }
            Map<String, String> existing = targetColumns();
            try (Statement statement = session.createStatement()) {
                if (existing == null) {
                    statement.execute(PgSql.createTarget(target, columns, mode == ExportJob.Mode.UPSERT ? key : List.of()));
                    log.info("created PostgreSQL table {}", target);
                } else {
                    check(columns, mode == ExportJob.Mode.UPSERT ? key : List.of()); // another run may have created it meanwhile
                }
                long staged;
                try (ResultSet rs = statement.executeQuery("SELECT count(*) FROM " + staging.sql())) {
                    rs.next();
                    staged = rs.getLong(1);
                }
                if (staged != rowsRead) {
                    throw new IllegalStateException("the staging table holds " + staged + " rows, Spark read " + rowsRead + "; nothing was written");
                }
                if (mode == ExportJob.Mode.REPLACE_DATE) {
                    if (dateColumn == null) {
                        statement.executeUpdate(PgSql.deleteAll(target));
                    } else {
                        try (PreparedStatement delete = session.prepareStatement(PgSql.deleteDate(target, dateColumn))) {
                            delete.setString(1, date);
                            delete.executeUpdate();
                        }
                    }
                }
                long written = statement.executeLargeUpdate(mode == ExportJob.Mode.UPSERT
                        ? PgSql.upsertFromStaging(target, staging, columns, key)
                        : PgSql.insertFromStaging(target, staging, columns));
                if (written != rowsRead) {
                    throw new IllegalStateException("PostgreSQL wrote " + written + " rows, Spark read " + rowsRead + "; rolled back, nothing was written");
                }
                statement.execute(PgSql.dropTable(staging));
                session.commit();
                staging = null;
                return written;
            }
        } catch (SQLException | RuntimeException e) {
            session.rollback();
            if (e instanceof SQLException sql && DATA_STATES.contains(sql.getSQLState())) {
                throw new DataQualityException("PostgreSQL refused the rows for " + target + ": " + firstLine(sql.getMessage())
                        + " (SQLSTATE " + sql.getSQLState() + "); rolled back, nothing was written");
            }
            throw e;
        } finally {
            session.setAutoCommit(true);
        }
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
