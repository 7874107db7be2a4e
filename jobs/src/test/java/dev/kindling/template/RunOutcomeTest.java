package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunOutcomeTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    @Test
    void theExitCodeAndWhetherAirflowRetriesItAreWrittenWhereTheSubmitterAsked() throws Exception {
        Path notRetried = dir.resolve("runs/try-1.json");
        RunOutcome.record(notRetried.toString(), 2, err);
        assertThat(Files.readString(notRetried)).isEqualTo("{\"exit_code\":2,\"retried\":false}\n");

        Path retried = dir.resolve("try-2.json");
        RunOutcome.record(retried.toUri().toString(), 1, err);
        assertThat(Files.readString(retried)).isEqualTo("{\"exit_code\":1,\"retried\":true}\n");

        Path killed = dir.resolve("try-3.json");
        RunOutcome.record(killed.toString(), 143, err);
        assertThat(Files.readString(killed)).isEqualTo("{\"exit_code\":143,\"retried\":true}\n");

        try (var files = Files.list(dir)) {
            assertThat(files.map(path -> path.getFileName().toString())).containsExactlyInAnyOrder("runs", "try-2.json", "try-3.json");
        }
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aRunNotAskedWritesNothingAndAFileThatCannotBeWrittenIsReportedWithoutChangingTheCode() throws Exception {
        RunOutcome.record(null, 0, err);
        RunOutcome.record(" ", 0, err);
        Path aFile = Files.writeString(dir.resolve("plain-file"), "x");
        RunOutcome.record(aFile.resolve("outcome.json").toString(), 3, err);

        assertThat(Files.readString(aFile)).isEqualTo("x");
        assertThat(errBytes.toString(StandardCharsets.UTF_8).strip())
                .startsWith("kindling: cannot write the run's outcome to " + aFile.resolve("outcome.json") + " (spark.kindling.outcomeFile): ")
                .doesNotContain("\n");
    }
}
