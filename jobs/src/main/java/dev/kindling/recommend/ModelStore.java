package dev.kindling.recommend;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.Optional;
import java.util.Properties;

import dev.kindling.template.InvalidInputException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * The models of one name under setting models.dir: versions at {@code <dir>/<name>/<logical date>/<run>}
 * (Spark ML's own format) and the pointer {@code <dir>/<name>/current.properties}, which names the current
 * version and its metrics. The pointer is written under a temporary name and renamed over the old one,
 * so a reader sees the old pointer or the new, never a half-written one.
 */
final class ModelStore {

    static final String POINTER = "current.properties";

    /** What the pointer says about the current version. */
    record Current(String version, String logicalDate, String runId, double rmse, double precisionAtK, int k, int rank, long trainingRows) {

        Properties toProperties() {
            Properties p = new Properties();
            p.setProperty("version", version);
            p.setProperty("logical_date", logicalDate);
            p.setProperty("run_id", runId);
            p.setProperty("rmse", Double.toString(rmse));
            p.setProperty("precision_at_k", Double.toString(precisionAtK));
            p.setProperty("k", Integer.toString(k));
            p.setProperty("rank", Integer.toString(rank));
            p.setProperty("training_rows", Long.toString(trainingRows));
            return p;
        }

        static Current of(Properties p, String where) {
            try {
                return new Current(required(p, "version", where), required(p, "logical_date", where), required(p, "run_id", where),
                        Double.parseDouble(required(p, "rmse", where)), Double.parseDouble(required(p, "precision_at_k", where)),
                        Integer.parseInt(required(p, "k", where)), Integer.parseInt(required(p, "rank", where)),
                        Long.parseLong(required(p, "training_rows", where)));
            } catch (NumberFormatException e) {
                throw new InvalidInputException("model pointer " + where + " is damaged: " + e.getMessage());
            }
        }

        private static String required(Properties p, String key, String where) {
            String value = p.getProperty(key);
            if (value == null || value.isBlank()) {
                throw new InvalidInputException("model pointer " + where + " is damaged: it has no " + key);
            }
            return value;
        }
    }

    private final Path home;
    private final Configuration conf;

    ModelStore(String modelsDir, String name, Configuration conf) {
        this.home = new Path(modelsDir, name);
        this.conf = conf;
    }

    Path pointer() {
        return new Path(home, POINTER);
    }

    /** Where this run's version goes. */
    Path version(LocalDate logicalDate, String runId) {
        return new Path(home, logicalDate + "/" + runId.replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    Optional<Current> current() throws IOException {
        Path pointer = pointer();
        FileSystem fs = pointer.getFileSystem(conf);
        if (!fs.exists(pointer)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (FSDataInputStream in = fs.open(pointer)) {
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return Optional.of(Current.of(p, pointer.toString()));
    }

    /**
     * Makes a version current. On HDFS (and other Hadoop file systems with an atomic rename) the pointer
     * is replaced by one rename; on the local file system by an atomic move of the same file (Hadoop's
     * local rename would delete the old pointer first, leaving a moment with none).
     */
    void makeCurrent(Current current, String runId) throws IOException {
        Path pointer = pointer();
        Path temporary = new Path(home, "." + POINTER + "." + runId.replaceAll("[^A-Za-z0-9._-]", "_") + ".tmp");
        FileSystem fs = pointer.getFileSystem(conf);
        fs.mkdirs(home);
        FileSystem writer = fs instanceof LocalFileSystem local ? local.getRaw() : fs; // no .crc files beside the pointer
        try (OutputStream out = writer.create(temporary, true)) {
            current.toProperties().store(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), "the current model of " + home.getName());
        }
        if (fs instanceof LocalFileSystem local) {
            Files.move(local.pathToFile(temporary).toPath(), local.pathToFile(pointer).toPath(),
                    StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
            FileContext.getFileContext(pointer.toUri(), conf).rename(temporary, pointer, Options.Rename.OVERWRITE);
        }
    }
}
