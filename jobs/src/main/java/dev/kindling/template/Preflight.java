package dev.kindling.template;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.fs.UnsupportedFileSystemException;
import org.apache.spark.SparkConf;
import scala.Tuple2;

/**
 * Checks a job can make before Spark starts; each failure is one line: {@link InvalidInputException}
 * (exit 2) when a retry cannot help, {@link InputUnavailableException} (exit 1) when it may.
 */
public final class Preflight {

    private static final String ILLEGAL_GLOB = "Illegal file pattern:";

    /** How long a JDBC connection check may take to connect and log in, in seconds. */
    private static final String JDBC_CHECK_TIMEOUT_SECONDS = "10";

    private final Settings settings;
    private final Map<String, String> environment;
    private Configuration hadoop;
    private Optional<MetastoreService> metastore;

    Preflight(Settings settings) {
        this(settings, Map.of());
    }

    Preflight(Settings settings, Map<String, String> environment) {
        this.settings = settings;
        this.environment = environment;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Fails unless path exists, on whatever file system its scheme names (local, HDFS, S3, ...); a
     * Hadoop glob ({@code samples/*.csv}) must match at least one path. No such path is an
     * {@link InvalidInputException} (exit 2); a file system that does not answer is an
     * {@link InputUnavailableException} (exit 1, retried).
     */
    public void requirePathExists(String option, String path) {
        sourceFiles(option, path);
    }

    /** The files path names, checked as {@link #requirePathExists} says: the path is globbed once, here. */
    SourceFiles sourceFiles(String option, String path) {
        Path hadoopPath;
        try {
            hadoopPath = new Path(path);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(option + " '" + path + "' is not a valid path: " + e.getMessage());
        }
        Configuration conf = hadoopConfiguration();
        FileSystem fs;
        FileStatus[] matches;
        try {
            fs = hadoopPath.getFileSystem(conf);
            matches = fs.globStatus(hadoopPath);
        } catch (UnsupportedFileSystemException e) {
            throw new InvalidInputException(option + " '" + path + "' cannot be checked: " + e.getMessage());
        } catch (IOException e) {
            // Hadoop's GlobFilter reports a glob that does not parse only by this message prefix
            if (e.getMessage() != null && e.getMessage().startsWith(ILLEGAL_GLOB)) {
                throw new InvalidInputException(option + " '" + path + "' is not a valid glob: " + firstLine(e.getMessage().substring(ILLEGAL_GLOB.length()).trim()));
            }
            throw cannotRead(option + " '" + path + "' cannot be checked", e);
        }
        if (matches == null || matches.length == 0) {
            throw new InvalidInputException(option + " '" + path + "' " + (isGlob(path) ? "matches no path" : "does not exist"));
        }
        return new SourceFiles(conf, fs, matches);
    }

    /**
     * An I/O error while checking an input: permission denied is bad input (exit 2: a retry does not
     * grant it); anything else may pass (a timeout, safe mode, throttling) and is exit 1, retried.
     */
    static RuntimeException cannotRead(String what, IOException e) {
        if (e instanceof AccessControlException || e instanceof AccessDeniedException) {
            return new InvalidInputException(what + ": permission denied: " + firstLine(e.getMessage()));
        }
        return new InputUnavailableException(what + " now: " + e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()));
    }

    private static boolean isGlob(String path) {
        return path.chars().anyMatch(c -> "*?[{".indexOf(c) >= 0);
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    /**
     * Fails unless the run's Hive metastore service answers (exit 1, retried); nothing to ask on the
     * embedded default, whose metastore is a Derby database that Spark opens itself.
     */
    public void requireMetastore() {
        metastore().ifPresent(MetastoreService::requireAnswering);
    }

    /**
     * Fails (exit 2) when the metastore says the table does not exist (the service, or on the embedded
     * default its Derby database) and Iceberg's catalog does not hold it either; what none of them can
     * tell before Spark starts, Spark's catalog checks once it runs.
     */
    public void requireTable(String option, TableName table) {
        Optional<Boolean> exists = metastore().isPresent()
                ? Optional.of(metastore().get().tableExists(table))
                : embeddedMetastore().flatMap(derby -> derby.tableExists(table));
        if (!exists.orElse(true) && !IcebergTables.mayHold(sparkSettings(), hadoopConfiguration(), table)) {
            throw new InvalidInputException(option + " table '" + table + "' does not exist");
        }
    }

    /**
     * The embedded Derby metastore, unless a Spark session of this JVM may hold it already (its catalog
     * answers at once then, and a look from here would shut the database down under it).
     */
    private Optional<EmbeddedMetastore> embeddedMetastore() {
        Optional<EmbeddedMetastore> derby = EmbeddedMetastore.of(hadoopConfiguration());
        if (derby.isEmpty() || SparkSessionProvider.runningOnEmbeddedMetastore()) {
            return Optional.empty();
        }
        EmbeddedMetastore.keepDerbyLogIn(settings.workDir());
        return derby;
    }

    /** The run's metastore service, looked up once per preflight (a table check and the answer check share it). */
    private Optional<MetastoreService> metastore() {
        if (metastore == null) {
            metastore = MetastoreService.of(hadoopConfiguration());
        }
        return metastore;
    }

    /** Fails unless a JDBC driver on the class path accepts url. */
    public void requireJdbcDriver(String option, String url) {
        loadApplicationDrivers();
        try {
            DriverManager.getDriver(url);
        } catch (SQLException e) {
            throw new InvalidInputException(option + " '" + UrlSecrets.masked(url) + "': no JDBC driver on the class path accepts this URL (add the driver jar with spark-submit --jars)");
        }
    }

    /**
     * spark-submit loads the application jar (and --jars) with a class loader of its own, which
     * DriverManager's lookup of drivers never searches; a JDBC driver registers itself when loaded, so
     * loading the ones this class loader sees makes them known to DriverManager.
     */
    private static void loadApplicationDrivers() {
        ServiceLoader.load(Driver.class, Preflight.class.getClassLoader()).stream().forEach(provider -> {
            try {
                provider.get();
            } catch (ServiceConfigurationError e) {
                // a driver that cannot load cannot accept the URL either: the lookup below says so
            }
        });
    }

    /**
     * Fails unless a connection to url opens with the run's credentials (KINDLING_JDBC_USER and
     * KINDLING_JDBC_PASSWORD): refused credentials or an unknown database are exit 2 (a retry does not
     * fix them); a server that does not answer or refuses connections is exit 1, retried. The messages
     * never carry the credentials (nor the server's own text, which names the user).
     */
    public void requireJdbcConnection(String option, String url) {
        requireJdbcDriver(option, url);
        Properties properties = Source.credentials(environment);
        // PostgreSQL's driver's names; other drivers ignore them
        properties.setProperty("connectTimeout", JDBC_CHECK_TIMEOUT_SECONDS);
        properties.setProperty("loginTimeout", JDBC_CHECK_TIMEOUT_SECONDS);
        try (Connection connection = DriverManager.getConnection(url, properties)) {
            connection.isValid(Integer.parseInt(JDBC_CHECK_TIMEOUT_SECONDS));
        } catch (SQLException e) {
            String state = String.valueOf(e.getSQLState());
            List<String> unset = Stream.of("KINDLING_JDBC_USER", "KINDLING_JDBC_PASSWORD").filter(name -> !environment.containsKey(name)).toList();
            // PostgreSQL's driver refuses a password the server asks for and nobody gave with 08004, not class 28
            if ((state.startsWith("28") || state.equals("08004")) && !unset.isEmpty()) {
                throw new InvalidInputException(option + " '" + UrlSecrets.masked(url) + "': the server asks for credentials and "
                        + String.join(" and ", unset) + (unset.size() == 1 ? " is" : " are") + " not set in the driver's environment (SQLSTATE " + state + ")");
            }
            throw jdbcFailure(option + " '" + UrlSecrets.masked(url) + "'", e);
        }
    }

    /**
     * A failed JDBC connection as an exit code: SQLSTATE class 28 (credentials refused) and 3D000 (no
     * such database) are bad input; anything else may pass and is retried.
     */
    public static RuntimeException jdbcFailure(String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("28")) {
            return new InvalidInputException(what + ": the server refused the credentials of KINDLING_JDBC_USER and KINDLING_JDBC_PASSWORD (SQLSTATE " + state + ")");
        }
        if (state.equals("3D000")) {
            return new InvalidInputException(what + ": the database does not exist (SQLSTATE 3D000)");
        }
        return new InputUnavailableException(what + " cannot be reached now: " + UrlSecrets.masked(firstLine(e.getMessage()))
                + (state.isEmpty() ? "" : " (SQLSTATE " + state + ")"));
    }

    /** The spark.* settings Spark's session will have: spark-submit's, overridden as {@link SparkSessionProvider#overSubmitted} says. */
    Map<String, String> sparkSettings() {
        return sparkSettings(settings);
    }

    static Map<String, String> sparkSettings(Settings settings) {
        SparkConf submitted = new SparkConf();
        Map<String, String> spark = new TreeMap<>();
        for (Tuple2<String, String> entry : submitted.getAll()) {
            spark.put(entry._1(), entry._2());
        }
        spark.putAll(SparkSessionProvider.overSubmitted(settings, submitted));
        return spark;
    }

    /** The Hadoop configuration Spark's session will have, built once per preflight. */
    Configuration hadoopConfiguration() {
        if (hadoop == null) {
            hadoop = hadoopConfiguration(settings);
        }
        return hadoop;
    }

    /**
     * The Hadoop configuration Spark's session will have: the cluster's files plus spark.hadoop.* from
     * spark-submit, overridden as {@link SparkSessionProvider#overSubmitted} says.
     */
    static Configuration hadoopConfiguration(Settings settings) {
        Configuration conf = new Configuration();
        sparkSettings(settings).forEach((key, value) -> {
            if (key.startsWith("spark.hadoop.")) {
                conf.set(key.substring("spark.hadoop.".length()), value);
            }
        });
        return conf;
    }
}
