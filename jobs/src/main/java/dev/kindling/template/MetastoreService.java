package dev.kindling.template;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hive.conf.HiveConf;
import org.apache.hadoop.hive.metastore.HiveMetaStoreClient;
import org.apache.hadoop.hive.metastore.IMetaStoreClient;
import org.apache.thrift.TException;

/**
 * The Hive metastore service a run will use ({@code hive.metastore.uris}, from the cluster's
 * hive-site.xml or {@code spark.hadoop.hive.metastore.uris}), asked before Spark starts, so that a
 * metastore that does not answer is one line and exit 1 (retried), and a table that does not exist is
 * one line and exit 2. The embedded default has no service: {@link EmbeddedMetastore} looks into its
 * Derby database instead.
 */
final class MetastoreService {

    /** One connection attempt of at most this long: the run is retried, not this check. */
    private static final int TIMEOUT_SECONDS = 10;

    private final HiveConf conf;
    private final String uris;

    private MetastoreService(HiveConf conf, String uris) {
        this.conf = conf;
        this.uris = uris;
    }

    static Optional<MetastoreService> of(Configuration hadoop) {
        if (hadoop.get(HiveConf.ConfVars.METASTOREURIS.varname) == null
                && MetastoreService.class.getClassLoader().getResource("hive-site.xml") == null) {
            return Optional.empty();  // the embedded default, without loading Hive's configuration
        }
        HiveConf conf = new HiveConf(hadoop, HiveConf.class);
        String uris = conf.getVar(HiveConf.ConfVars.METASTOREURIS);
        if (uris == null || uris.isBlank()) {
            return Optional.empty();
        }
        conf.setIntVar(HiveConf.ConfVars.METASTORETHRIFTCONNECTIONRETRIES, 1);
        conf.setTimeVar(HiveConf.ConfVars.METASTORE_CLIENT_SOCKET_TIMEOUT, TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return Optional.of(new MetastoreService(conf, uris));
    }

    /** Fails with exit 1 unless the service answers. */
    void requireAnswering() {
        ask(client -> client.getDatabase("default"));
    }

    /** Whether the table exists; exit 1 when the service does not answer. */
    boolean tableExists(TableName table) {
        return ask(client -> client.tableExists(table.databaseOrDefault(), table.name()));
    }

    private interface Question<T> {
        T ask(IMetaStoreClient client) throws TException;
    }

    private <T> T ask(Question<T> question) {
        IMetaStoreClient client;
        try {
            client = new HiveMetaStoreClient(conf);
        } catch (TException | RuntimeException e) {
            throw unavailable(e);
        }
        try {
            return question.ask(client);
        } catch (TException e) {
            throw unavailable(e);
        } finally {
            client.close();
        }
    }

    private InputUnavailableException unavailable(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        return new InputUnavailableException("the Hive metastore " + uris + " does not answer now: " + message);
    }
}
