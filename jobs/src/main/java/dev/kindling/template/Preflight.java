package dev.kindling.template;

import java.io.IOException;
import java.sql.DriverManager;
import java.sql.SQLException;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** Checks a job can make before Spark starts; each failure is a one-line {@link InvalidInputException}. */
public final class Preflight {

    private final Settings settings;

    Preflight(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** Fails unless path exists, on whatever file system its scheme names (local, HDFS, S3, ...). */
    public void requirePathExists(String option, String path) {
        try {
            Path hadoopPath = new Path(path);
            if (!hadoopPath.getFileSystem(hadoopConfiguration(settings)).exists(hadoopPath)) {
                throw new InvalidInputException(option + " '" + path + "' does not exist");
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidInputException(option + " '" + path + "' cannot be checked: " + e.getMessage());
        }
    }

    /** Fails unless a JDBC driver on the class path accepts url. */
    public void requireJdbcDriver(String option, String url) {
        try {
            DriverManager.getDriver(url);
        } catch (SQLException e) {
            throw new InvalidInputException(option + " '" + Source.maskSecrets(url) + "': no JDBC driver on the class path accepts this URL (add the driver jar with spark-submit --jars)");
        }
    }

    /** The Hadoop configuration Spark would have: the cluster's files plus spark.hadoop.* settings. */
    static Configuration hadoopConfiguration(Settings settings) {
        Configuration conf = new Configuration();
        settings.sparkSettings().forEach((key, value) -> {
            if (key.startsWith("spark.hadoop.")) {
                conf.set(key.substring("spark.hadoop.".length()), value);
            }
        });
        return conf;
    }
}
