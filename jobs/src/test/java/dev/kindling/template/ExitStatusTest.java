package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Command;

/**
 * Whatever ends the JVM, its exit status tells the outcome the run reports: a System.exit(0) in the
 * middle of a run (from the job, a library, or anything that reached Java) is a failed run, exit 1, not
 * a success. Run in a JVM of its own, since the job ends its JVM.
 */
class ExitStatusTest {

    @TempDir
    Path dir;

    /** A job that ends the JVM with status 0 half-way through its run, as a library might. */
    @Command(name = "exits", description = "Calls System.exit(0) in the middle of its run.")
    public static final class ExitingJob implements Job {
        @Override
        public void run(RunContext context) {
            System.exit(0);
        }
    }

    /** The JVM of the test: a launcher with the one job, and no Spark (a dry run needs none here). */
    public static void main(String[] args) {
        int code = new Launcher(List.of(ExitingJob::new), (settings, app) -> null, System.getenv(), System.out, System.err).execute(args);
        System.exit(code);
    }

    @Test
    void aSystemExitZeroDuringTheRunEndsTheJvmWithTheFailureTheRunReports() throws Exception {
        Path outcome = dir.resolve("outcome.json");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("-D" + RunOutcome.FILE_SETTING + "=" + outcome);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ExitStatusTest.class.getName(),
                "exits", "--logical-date", "2024-01-01", "--dry-run", "--conf", "log.format=plain"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("output.txt").toFile());
        builder.environment().put("KINDLING_WORK_DIR", dir.resolve("work").toString());
        Process process = builder.start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(dir.resolve("output.txt"), StandardCharsets.UTF_8);

        assertThat(process.exitValue()).as(output).isEqualTo(1);
        assertThat(output).contains("exits finished: exit code 1 (the JVM was shut down during the run without a signal:"
                + " System.exit from the job or a library)");
        assertThat(Files.readString(outcome)).isEqualTo("{\"exit_code\":1,\"retried\":true}\n");
    }
}
