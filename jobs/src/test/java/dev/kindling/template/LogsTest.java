package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every log line is one JSON object with the run's fields, Spark's own lines included. */
class LogsTest {

    @TempDir
    Path dir;

    private List<JsonNode> jsonLines(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        try (Stream<String> lines = Files.lines(file)) {
            return lines.map(line -> {
                try {
                    return json.readTree(line);
                } catch (IOException e) {
                    throw new AssertionError("not a JSON line: " + line, e);
                }
            }).toList();
        }
    }

    @Test
    void linesCarryTheRunAndTheAirflowContext() throws IOException {
        Path csv = Files.writeString(dir.resolve("in.csv"), "id,name\n1,a\n2,b\n");
        Path logFile = dir.resolve("run.jsonl");
        Result result = Kindling.onTestSpark()
                .env("AIRFLOW_CTX_DAG_ID", "kindling_snapshot")
                .env("AIRFLOW_CTX_TASK_ID", "snapshot")
                .env("AIRFLOW_CTX_TRY_NUMBER", "2")
                .env("AIRFLOW_CTX_DAG_RUN_ID", "scheduled__2024-04-01T00:00:00+00:00")
                .env("KINDLING_LOG_FILE", logFile.toString())
                .run("snapshot", "--source", csv.toString(), "--format", "csv", "--target", "logs.t1",
                        "--logical-date", "2024-04-01", "--run-id", "r-logs", "--conf", "log.level.spark=INFO");
        assertThat(result.exitCode()).as(result.err()).isZero();

        List<JsonNode> lines = jsonLines(logFile);
        assertThat(lines).isNotEmpty().allSatisfy(line -> {
            assertThat(line.get("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
            assertThat(line.get("level").asText()).isIn("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL");
            assertThat(line.get("logger").asText()).isNotEmpty();
            assertThat(line.get("job").asText()).isEqualTo("snapshot");
            assertThat(line.get("run_id").asText()).isEqualTo("r-logs");
            assertThat(line.get("logical_date").asText()).isEqualTo("2024-04-01");
            assertThat(line.get("env").asText()).isEqualTo("local");
            assertThat(line.get("dag_id").asText()).isEqualTo("kindling_snapshot");
            assertThat(line.get("task_id").asText()).isEqualTo("snapshot");
            assertThat(line.get("try_number").asText()).isEqualTo("2");
            assertThat(line.get("dag_run_id").asText()).isEqualTo("scheduled__2024-04-01T00:00:00+00:00");
        });
        assertThat(lines).anySatisfy(line -> assertThat(line.get("message").asText()).startsWith("snapshot finished: exit code 0"));
        assertThat(lines).as("Spark's own lines go through the same layout")
                .anySatisfy(line -> assertThat(line.get("logger").asText()).startsWith("org.apache.spark"));
    }

    @Test
    void valuesFromOutsideAreWrittenLiterallyNeverLookedUp() throws IOException {
        Path csv = Files.writeString(dir.resolve("lookups.csv"), "id,name\n1,a\n");
        Path logFile = dir.resolve("lookups.jsonl");
        String secret = "s3cr3t-" + System.nanoTime();
        System.setProperty("kindling.test.secret", secret);
        // a run id is letters, digits and . _ : + - (exit 2 otherwise); what Airflow's context gives is logged as it is
        String dagRunId = "${sys:kindling.test.secret} ${java:version} ${date:yyyy} $${sys:kindling.test.secret} ${x:-y} %d \\n";
        String dagId = "${sys:kindling.test.secret}";
        try {
            Result result = Kindling.onTestSpark()
                    .env("AIRFLOW_CTX_DAG_ID", dagId)
                    .env("AIRFLOW_CTX_DAG_RUN_ID", dagRunId)
                    .env("KINDLING_LOG_FILE", logFile.toString())
                    .run("snapshot", "--source", csv.toString(), "--format", "csv", "--target", "logs.t3",
                            "--logical-date", "2024-04-03", "--run-id", "lookups");
            assertThat(result.exitCode()).as(result.err()).isZero();
        } finally {
            System.clearProperty("kindling.test.secret");
        }

        assertThat(Files.readString(logFile)).doesNotContain(secret).doesNotContain(System.getProperty("java.version"));
        List<JsonNode> lines = jsonLines(logFile);
        assertThat(lines).isNotEmpty().allSatisfy(line -> {
            assertThat(line.get("dag_run_id").asText()).isEqualTo(dagRunId);
            assertThat(line.get("dag_id").asText()).isEqualTo(dagId);
        });
    }

    @Test
    void aFailureLogsTheExceptionInOneJsonLine() throws IOException {
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("part-0.parquet"), "not parquet at all");
        Path logFile = dir.resolve("failed.jsonl");
        Result result = Kindling.onTestSpark().env("KINDLING_LOG_FILE", logFile.toString())
                .run("snapshot", "--source", broken.toString(), "--format", "parquet", "--target", "logs.t2",
                        "--logical-date", "2024-04-02", "--run-id", "r-failed");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(jsonLines(logFile)).anySatisfy(line -> {
            assertThat(line.get("level").asText()).isEqualTo("ERROR");
            assertThat(line.get("message").asText()).isEqualTo("snapshot failed");
            assertThat(line.get("error").get("type").asText()).isNotBlank();
            assertThat(line.get("error").get("stack").asText()).contains("\n\tat ");
        });
    }
}
