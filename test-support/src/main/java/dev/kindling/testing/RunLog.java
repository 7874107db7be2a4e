package dev.kindling.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The JSON log lines runs wrote to a work dir's {@code logs/kindling.jsonl} (the {@code local}
 * profile's log file), picked by run id.
 */
public final class RunLog {

    private final Path file;

    private RunLog(Path file) {
        this.file = file;
    }

    public static RunLog of(Path workDir) {
        return new RunLog(workDir.resolve("logs/kindling.jsonl"));
    }

    /** The shared test session's log. */
    public static RunLog ofTestSpark() {
        return of(TestSpark.workDir());
    }

    /** Every line of one run, in order. */
    public List<String> lines(String runId) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.filter(line -> line.contains("\"run_id\":\"" + runId + "\"")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The run's last summary line ("<job> finished: exit code N ... {metrics}"). */
    public String summary(String runId) {
        return lines(runId).stream().filter(line -> line.contains(" finished: exit code")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no summary line for run " + runId + " in " + file));
    }
}
