package dev.kindling.template;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A run's exit code, written where whoever submitted the run can read it. In a standalone cluster's
 * deploy mode the driver's exit code reaches nobody (the master reports only FINISHED or FAILED), so a
 * submitter that needs it (bin/kindling, the Airflow operator) names a file with
 * {@code --conf spark.kindling.outcomeFile=PATH} (any Hadoop path both sides can read) and reads
 * {@code {"exit_code":2,"retried":false}} from it once the driver has ended. Written atomically: a
 * reader sees the whole outcome or none, and none means "unknown" (retried).
 */
public final class RunOutcome {

    /** The Spark setting (a system property under spark-submit, in either deploy mode) naming the file. */
    public static final String FILE_SETTING = "spark.kindling.outcomeFile";

    private RunOutcome() {
    }

    /** Writes the outcome if the run was asked to; a failure to write is reported and never changes the code. */
    public static void record(String file, int code, PrintStream err) {
        if (file == null || file.isBlank()) {
            return;
        }
        boolean retried = Arrays.stream(ExitCode.values()).filter(exit -> exit.code == code).findFirst()
                .map(exit -> exit.retried).orElse(true);
        String json = "{\"exit_code\":" + code + ",\"retried\":" + retried + "}\n";
        try {
            Path target = new Path(file);
            FileSystem fs = FileSystem.get(URI.create(target.toUri().getScheme() == null ? "file:///" : file), new Configuration());
            fs.setWriteChecksum(false);  // no .crc files beside it on a local path
            Path partial = new Path(target.getParent(), "." + target.getName() + ".partial");
            fs.mkdirs(target.getParent());
            try (OutputStream out = fs.create(partial, true)) {
                out.write(json.getBytes(StandardCharsets.UTF_8));
            }
            fs.delete(target, false);
            if (!fs.rename(partial, target)) {
                throw new IOException("cannot rename " + partial + " to " + target);
            }
        } catch (IOException | RuntimeException e) {
            err.println("kindling: cannot write the run's outcome to " + file + " (" + FILE_SETTING + "): " + e.getMessage());
        }
    }
}
