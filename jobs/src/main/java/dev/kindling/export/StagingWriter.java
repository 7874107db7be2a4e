package dev.kindling.export;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.List;
import java.util.Properties;

import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Row;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * What each Spark task runs: COPY its partition's rows into the run's staging table, tagged with the
 * partition id, in one transaction that first deletes that id's rows under an advisory lock on
 * (staging table, partition id). A retried or speculative attempt therefore replaces, never adds to,
 * what an earlier attempt of the same partition committed. Returns {partition id, rows copied}.
 */
final class StagingWriter implements Function2<Integer, Iterator<Row>, Iterator<long[]>> {

    private static final int FLUSH_CHARS = 1 << 20;

    private final String url;
    private final Properties credentials;
    private final PgSql.Table staging;
    private final String deleteSql;
    private final String copySql;
    private final int width;

    StagingWriter(String url, Properties credentials, PgSql.Table staging, List<PgColumns.Column> columns) {
        this.url = url;
        this.credentials = credentials;
        this.staging = staging;
        this.deleteSql = PgSql.deletePartitionRows(staging);
        this.copySql = PgSql.copyIntoStaging(staging, columns);
        this.width = columns.size();
    }

    @Override
    public Iterator<long[]> call(Integer partition, Iterator<Row> rows) throws SQLException {
        try (Connection connection = PgExport.connect(url, credentials)) {
            connection.setAutoCommit(false);
            try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?), ?)")) {
                lock.setString(1, staging.toString());
                lock.setInt(2, partition);
                lock.execute();
            }
            try (PreparedStatement delete = connection.prepareStatement(deleteSql)) {
                delete.setInt(1, partition);
                delete.executeUpdate();
            }
            long sent = copy(connection, partition, rows);
            connection.commit();
            return List.of(new long[] {partition, sent}).iterator();
        }
    }

    private long copy(Connection connection, int partition, Iterator<Row> rows) throws SQLException {
        CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(copySql);
        try {
            long sent = 0;
            StringBuilder buffer = new StringBuilder();
            Object[] values = new Object[width];
            while (rows.hasNext()) {
                Row row = rows.next();
                for (int i = 0; i < width; i++) {
                    values[i] = row.get(i);
                }
                CopyFormat.appendRecord(buffer, partition, values);
                sent++;
                if (buffer.length() >= FLUSH_CHARS) {
                    send(copy, buffer);
                }
            }
            send(copy, buffer);
            long copied = copy.endCopy();
            if (copied != sent) {
                throw new IllegalStateException("PostgreSQL's COPY took " + copied + " rows of partition " + partition + ", " + sent + " were sent");
            }
            return sent;
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    private static void send(CopyIn copy, StringBuilder buffer) throws SQLException {
        byte[] bytes = buffer.toString().getBytes(StandardCharsets.UTF_8);
        copy.writeToCopy(bytes, 0, bytes.length);
        buffer.setLength(0);
    }
}
