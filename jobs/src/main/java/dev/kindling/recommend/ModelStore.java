package dev.kindling.recommend;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

import dev.kindling.dsl.publish.PublishConflictException;
import dev.kindling.template.InvalidInputException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * The models of one name under setting models.dir: versions at {@code <dir>/<name>/<logical date>/<run>_<attempt>}
 * (Spark ML's own format; each attempt a folder of its own, never overwritten), and the pointer, a log of
 * numbered files {@code <dir>/<name>/pointer/<n>.properties}, the highest naming the current version and its
 * metrics. A new pointer file is written under a temporary name and then created as {@code <n+1>} only if no
 * run created it first (a hard link on the local file system, a rename without overwrite on HDFS: both
 * atomic), so two runs that read pointer n never both make a model current. Readers take the highest n;
 * the last {@value #KEPT_POINTERS} pointer files are kept. ({@code current.properties}, the single pointer
 * file of earlier versions, is read as pointer 0 until the first new one.)
 */
final class ModelStore {

    static final String POINTER = "pointer";
    static final int KEPT_POINTERS = 10;
    private static final String LEGACY_POINTER = "current.properties";
    private static final java.util.regex.Pattern POINTER_FILE = java.util.regex.Pattern.compile("([0-9]{12})\\.properties");

    /** The current version, and the number of the pointer file that names it (0: none, or the legacy pointer). */
    record Pointed(long sequence, Current current) {
    }

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

    private final String name;
    private final Path home;
    private final Configuration conf;

    ModelStore(String modelsDir, String name, Configuration conf) {
        this.name = name;
        this.home = new Path(modelsDir, name);
        this.conf = conf;
    }

    /** The folder of the pointer files. */
    Path pointer() {
        return new Path(home, POINTER);
    }

    /** Where this attempt's version goes: a folder no other attempt, not even a rerun of the run, writes. */
    Path version(LocalDate logicalDate, String runId) {
        return new Path(home, logicalDate + "/" + runId.replaceAll("[^A-Za-z0-9._-]", "_") + "_" + UUID.randomUUID().toString().substring(0, 8));
    }

    Optional<Current> current() throws IOException {
        return pointed().map(Pointed::current);
    }

    /** The highest pointer file (or the legacy pointer), read whole; empty when the model has none. */
    Optional<Pointed> pointed() throws IOException {
        FileSystem fs = home.getFileSystem(conf);
        long highest = fs.exists(pointer()) ? pointerFiles(fs).keySet().stream().mapToLong(Long::longValue).max().orElse(0) : 0;
        Path file = highest > 0 ? pointerFile(highest) : new Path(home, LEGACY_POINTER);
        if (highest == 0 && !fs.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (FSDataInputStream in = fs.open(file)) {
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return Optional.of(new Pointed(highest, Current.of(p, file.toString())));
    }

    private Path pointerFile(long sequence) {
        return new Path(pointer(), String.format(java.util.Locale.ROOT, "%012d.properties", sequence));
    }

    /**
     * Makes a version current, if the pointer is still the one read ({@code basedOn}, its number): creates
     * pointer file {@code basedOn + 1}, which only one run can. Another run that made a model current
     * meanwhile is a {@link PublishConflictException}, nothing changed (a retry compares with its model).
     */
    void makeCurrent(Current current, long basedOn) throws IOException {
        Path next = pointerFile(basedOn + 1);
        Path temporary = new Path(pointer(), "." + next.getName() + "." + UUID.randomUUID() + ".tmp");
        FileSystem fs = home.getFileSystem(conf);
        fs.mkdirs(pointer());
        FileSystem writer = fs instanceof LocalFileSystem local ? local.getRaw() : fs; // no .crc files beside the pointer
        try {
            try (OutputStream out = writer.create(temporary, false)) {
                current.toProperties().store(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), "the current model of " + name);
            }
            if (fs instanceof LocalFileSystem local) {
                Files.createLink(local.pathToFile(next).toPath(), local.pathToFile(temporary).toPath());
            } else {
                FileContext.getFileContext(next.toUri(), conf).rename(temporary, next, Options.Rename.NONE);
            }
        } catch (java.nio.file.FileAlreadyExistsException | org.apache.hadoop.fs.FileAlreadyExistsException e) {
            String other = pointed().map(p -> "run " + p.current().runId() + " made version " + p.current().version() + " current").orElse("");
            throw new PublishConflictException("model " + name + " (pointer " + next.getName() + ")", other, e);
        } finally {
            writer.delete(temporary, false);
        }
        for (Map.Entry<Long, Path> file : pointerFiles(fs).entrySet()) {
            if (file.getKey() <= basedOn + 1 - KEPT_POINTERS) {
                fs.delete(file.getValue(), false); // readers open the highest, which stays
            }
        }
    }

    /** The pointer files by their number (temporary files and anything else in the folder aside). */
    private Map<Long, Path> pointerFiles(FileSystem fs) throws IOException {
        Map<Long, Path> numbered = new java.util.TreeMap<>();
        for (FileStatus file : fs.listStatus(pointer())) {
            java.util.regex.Matcher name = POINTER_FILE.matcher(file.getPath().getName());
            if (name.matches()) {
                numbered.put(Long.parseLong(name.group(1)), file.getPath());
            }
        }
        return numbered;
    }
}
