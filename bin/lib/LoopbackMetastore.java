import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.jdo.JDOHelper;

import org.apache.hadoop.hive.conf.HiveConf;
import org.apache.hadoop.hive.metastore.HiveMetaStore;
import org.apache.hadoop.hive.metastore.TSetIpAddressProcessor;
import org.apache.hadoop.hive.metastore.api.Database;
import org.apache.hadoop.hive.metastore.api.FieldSchema;
import org.apache.hadoop.hive.metastore.api.NoSuchObjectException;
import org.apache.hadoop.hive.metastore.api.Partition;
import org.apache.hadoop.hive.metastore.api.SerDeInfo;
import org.apache.hadoop.hive.metastore.api.StorageDescriptor;
import org.apache.hadoop.hive.metastore.api.Table;
import org.apache.hadoop.hive.metastore.api.ThriftHiveMetastore;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.datanucleus.api.jdo.JDOPersistenceManagerFactory;
import org.datanucleus.store.schema.SchemaAwareStoreManager;
import org.apache.thrift.server.TThreadPoolServer;
import org.apache.thrift.transport.TServerSocket;

/**
 * The Hive metastore thrift service of bin/stack, on one address: Hive 2.3's own main
 * ({@code HiveMetaStore -p PORT}) binds every interface and has no bind-host setting, and the stack
 * listens on 127.0.0.1 only. The handler is Hive's own (configured by the hive-site.xml on the class
 * path); only the socket is ours.
 *
 * <p>Run as a single source file: {@code java -cp <hive-site dir>:<spark jars>/*:<postgresql jar>
 * LoopbackMetastore.java HOST PORT [--create-schema]}. With --create-schema (the first start) it
 * creates the metastore's tables, then creates and drops a partitioned table, before it takes clients.
 */
public final class LoopbackMetastore {

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: LoopbackMetastore HOST PORT [--create-schema]");
        }
        HiveConf conf = new HiveConf(HiveMetaStore.HMSHandler.class);
        boolean createSchema = List.of(args).contains("--create-schema");
        if (createSchema) {
            createTables(conf);
        }
        ThriftHiveMetastore.Iface handler = HiveMetaStore.newRetryingHMSHandler("loopback metastore", conf, false);
        if (createSchema) {
            probeSchema(handler, conf);
        }
        TServerSocket socket = new TServerSocket(new InetSocketAddress(args[0], Integer.parseInt(args[1])));
        TThreadPoolServer server = new TThreadPoolServer(new TThreadPoolServer.Args(socket)
                .processor(new TSetIpAddressProcessor<>(handler))
                .protocolFactory(new TBinaryProtocol.Factory())
                .minWorkerThreads(conf.getIntVar(HiveConf.ConfVars.METASTORESERVERMINTHREADS))
                .maxWorkerThreads(conf.getIntVar(HiveConf.ConfVars.METASTORESERVERMAXTHREADS)));
        System.out.println("metastore listening on " + args[0] + ":" + args[1]);
        server.serve();
    }

    /**
     * Creates every table of Hive's model at once, as Hive's schema tool would (its SQL scripts ship in no
     * jar). Left to DataNucleus's lazy creation, PostgreSQL deadlocks: a table's foreign key is added on one
     * connection while the request that needed the table holds a lock on the referenced table on another.
     */
    private static void createTables(HiveConf conf) throws Exception {
        Properties properties = new Properties();
        for (Map.Entry<String, String> entry : conf) {
            if (entry.getKey().startsWith("javax.jdo.") || entry.getKey().startsWith("datanucleus.")) {
                properties.put(entry.getKey(), conf.get(entry.getKey()));
            }
        }
        Set<String> model = new TreeSet<>();
        try (InputStream jdo = HiveMetaStore.class.getClassLoader().getResourceAsStream("package.jdo")) {
            Matcher classes = Pattern.compile("<class name=\"(\\w+)\"").matcher(new String(jdo.readAllBytes(), StandardCharsets.UTF_8));
            while (classes.find()) {
                model.add("org.apache.hadoop.hive.metastore.model." + classes.group(1));
            }
        }
        JDOPersistenceManagerFactory factory = (JDOPersistenceManagerFactory) JDOHelper.getPersistenceManagerFactory(properties);
        try {
            ((SchemaAwareStoreManager) factory.getNucleusContext().getStoreManager()).createSchemaForClasses(model, new Properties());
        } finally {
            factory.close();
        }
        System.out.println("metastore schema: " + model.size() + " model classes");
    }

    /** Creates and drops a partitioned table: the schema works before any client comes. */
    private static void probeSchema(ThriftHiveMetastore.Iface handler, HiveConf conf) throws Exception {
        String name = "kindling_stack_schema_probe";
        String location = conf.getVar(HiveConf.ConfVars.METASTOREWAREHOUSE) + "/" + name + ".db";
        try {
            handler.get_database(name);
            handler.drop_database(name, true, true);  // a probe left by a start that was killed half-way
        } catch (NoSuchObjectException absent) {
            // the usual case (Hive 2.3 drops a missing database with a NullPointerException, so ask first)
        }
        handler.create_database(new Database(name, "created once by bin/stack up", location, new HashMap<>()));
        StorageDescriptor storage = new StorageDescriptor(new ArrayList<>(List.of(new FieldSchema("id", "bigint", null))), location + "/probe",
                "org.apache.hadoop.mapred.TextInputFormat", "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                false, -1, new SerDeInfo("probe", "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", new HashMap<>()),
                new ArrayList<>(), new ArrayList<>(), new HashMap<>());
        Table table = new Table("probe", name, "kindling", 0, 0, 0, storage,
                new ArrayList<>(List.of(new FieldSchema("day", "string", null))), new HashMap<>(Map.of("probe", "true")), null, null, "MANAGED_TABLE");
        handler.create_table(table);
        StorageDescriptor partitionStorage = new StorageDescriptor(storage);
        partitionStorage.setLocation(location + "/probe/day=1");
        handler.add_partition(new Partition(new ArrayList<>(List.of("1")), name, "probe", 0, 0, partitionStorage, new HashMap<>()));
        handler.drop_database(name, true, true);
        System.out.println("metastore schema created");
    }
}
