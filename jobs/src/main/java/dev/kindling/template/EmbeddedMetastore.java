package dev.kindling.template;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.hadoop.conf.Configuration;

/**
 * The embedded default's metastore, a Derby database in the work dir, looked into before Spark starts,
 * so that a Hive source table that does not exist is one line and exit 2 without a Spark start. It only
 * reads, and it shuts the database down again, because Spark's Hive client, which opens it next, may
 * run its own Derby engine and Derby admits one engine per database. What it cannot tell (the database
 * in use by another run, tables it does not recognise) it leaves to Spark's catalog.
 */
final class EmbeddedMetastore {

    static final String CONNECTION_URL = "javax.jdo.option.ConnectionURL";

    private static final String DATABASE_NOT_FOUND = "XJ004";
    private static final String DATABASE_SHUT_DOWN = "08006";
    // the metastore's own tables (Hive's schema, as DataNucleus creates them in Derby's APP schema)
    private static final String TABLE_QUERY = "SELECT COUNT(*) FROM TBLS t JOIN DBS d ON t.DB_ID = d.DB_ID WHERE d.NAME = ? AND t.TBL_NAME = ?";

    private final String url;

    private EmbeddedMetastore(String url) {
        this.url = url;
    }

    /** The metastore when the configuration names a Derby database on disk; empty otherwise. */
    static Optional<EmbeddedMetastore> of(Configuration hadoop) {
        String url = hadoop.get(CONNECTION_URL, "");
        if (!url.startsWith("jdbc:derby:") || url.startsWith("jdbc:derby:memory:")) {
            return Optional.empty();
        }
        // opened as it is, never created: a metastore that does not exist yet holds no table
        String existing = Arrays.stream(url.split(";", -1))
                .filter(attribute -> !attribute.trim().toLowerCase(Locale.ROOT).startsWith("create="))
                .collect(Collectors.joining(";"));
        return Optional.of(new EmbeddedMetastore(existing));
    }

    /** Whether the table exists (the metastore keeps Hive's lower-case names); empty when this cannot tell. */
    Optional<Boolean> tableExists(TableName table) {
        Connection db;
        try {
            db = DriverManager.getConnection(url);
        } catch (SQLException e) {
            return DATABASE_NOT_FOUND.equals(e.getSQLState()) ? Optional.of(false) : Optional.empty();
        }
        try (db; PreparedStatement query = db.prepareStatement(TABLE_QUERY)) {
            query.setString(1, table.databaseOrDefault());
            query.setString(2, table.name());
            try (ResultSet count = query.executeQuery()) {
                return Optional.of(count.next() && count.getLong(1) > 0);
            }
        } catch (SQLException e) {
            return Optional.empty();
        } finally {
            shutDown();
        }
    }

    private void shutDown() {
        try {
            DriverManager.getConnection(url + ";shutdown=true").close();
        } catch (SQLException e) {
            if (!DATABASE_SHUT_DOWN.equals(e.getSQLState())) {
                // still booted here: Spark's own engine could not open it, and would say so itself
                throw new InputUnavailableException("the embedded metastore " + UrlSecrets.masked(url) + " could not be closed after a look: " + e.getMessage());
            }
        }
    }

    /** Derby writes derby.log to the working directory unless told otherwise: into the run's log folder. */
    static void keepDerbyLogIn(Path workDir) {
        if (System.getProperty("derby.stream.error.file") == null) {
            System.setProperty("derby.stream.error.file", workDir.resolve(Path.of("logs", "derby.log")).toString());
        }
    }
}
