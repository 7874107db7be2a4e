package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import org.apache.logging.log4j.LogManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metric names and values as a Graphite plaintext listener receives them, and what happens without one. */
class GraphiteMetricsTest {

    @TempDir
    Path dir;

    private Path csv() throws IOException {
        return Files.writeString(dir.resolve("in.csv"), "id,name\n1,a\n2,b\n3,c\n4,d\n5,e\nx6,f\n");
    }

    @Test
    void theFinalReportCarriesTheRunsCountsUnderPrefixJobMetric() throws Exception {
        try (PlaintextListener graphite = new PlaintextListener()) {
            Result result = Kindling.onTestSpark().run("snapshot", "--source", csv().toString(), "--format", "csv",
                    "--schema", "id INT, name STRING", "--target", "metrics.t1", "--logical-date", "2024-05-01", "--max-bad-ratio", "0.5",
                    "--conf", "graphite.host=127.0.0.1", "--conf", "graphite.port=" + graphite.server.getLocalPort(),
                    "--conf", "metrics.prefix=kindling.test");
            assertThat(result.exitCode()).as(result.err()).isZero();

            assertThat(graphite.value("kindling.test.snapshot.rows_read")).isEqualTo(6);
            assertThat(graphite.value("kindling.test.snapshot.rows_written")).isEqualTo(5);
            assertThat(graphite.value("kindling.test.snapshot.rows_quarantined")).isEqualTo(1);
            assertThat(graphite.value("kindling.test.snapshot.success")).isEqualTo(1);
            assertThat(graphite.value("kindling.test.snapshot.exit_code")).isZero();
            assertThat(graphite.value("kindling.test.snapshot.duration_ms")).isPositive();
            assertThat(graphite.value("kindling.test.snapshot.last_success_timestamp")).isGreaterThan(1_700_000_000L);
            assertThat(graphite.lines).allSatisfy(line -> assertThat(line).matches("kindling\\.test\\.snapshot\\.[a-z_]+ -?\\d+ \\d{10}"));
        }
    }

    @Test
    void aFailedRunReportsItsFailure() throws Exception {
        try (PlaintextListener graphite = new PlaintextListener()) {
            Result result = Kindling.onTestSpark().run("snapshot", "--source", csv().toString(), "--format", "csv",
                    "--schema", "id INT, name STRING", "--target", "metrics.t2", "--logical-date", "2024-05-02",
                    "--conf", "graphite.host=127.0.0.1", "--conf", "graphite.port=" + graphite.server.getLocalPort(),
                    "--conf", "metrics.prefix=kindling.test");
            assertThat(result.exitCode()).isEqualTo(3);
            assertThat(graphite.value("kindling.test.snapshot.failed")).isEqualTo(1);
            assertThat(graphite.value("kindling.test.snapshot.exit_code")).isEqualTo(3);
            assertThat(graphite.lines).noneMatch(line -> line.contains("last_success_timestamp"));
        }
    }

    @Test
    void anUnreachableGraphiteGivesOneWarningAndTheJobStillSucceeds() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        Path logFile = dir.resolve("run.jsonl");
        Result result = Kindling.onTestSpark().env("KINDLING_LOG_FILE", logFile.toString())
                .env("KINDLING_GRAPHITE_HOST", "127.0.0.1").env("KINDLING_GRAPHITE_PORT", String.valueOf(closedPort))
                .run("snapshot", "--source", csv().toString(), "--format", "csv", "--target", "metrics.t3",
                        "--logical-date", "2024-05-03", "--conf", "metrics.period.seconds=1", "--max-bad-ratio", "0.5");
        assertThat(result.exitCode()).as(result.err()).isZero();
        try (Stream<String> lines = Files.lines(logFile)) {
            assertThat(lines.filter(line -> line.contains("\"level\":\"WARN\"")
                    && (line.contains("\"logger\":\"dev.kindling") || line.toLowerCase().contains("graphite")))).singleElement().asString()
                    .contains("metrics: Graphite at 127.0.0.1:" + closedPort + " is unreachable");
        }
    }

    @Test
    void aGraphiteThatNeverAnswersCannotHoldTheRunPastTheFlushDeadline() throws InterruptedException {
        CountDownLatch forever = new CountDownLatch(1);
        BufferedGraphite.Connector hangs = () -> {
            try {
                forever.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("released");
        };
        Settings settings = Settings.resolve("local", List.of("graphite.host=127.0.0.1", "metrics.flush.timeout.ms=300"), Map.of());
        JobMetrics metrics = new JobMetrics();
        metrics.set("rows_written", 1);
        GraphiteReporting reporting = GraphiteReporting.start(settings, "kindling.test.hang", metrics.registry(), hangs, "nowhere:1");

        long started = System.nanoTime();
        boolean delivered = reporting.finish(LogManager.getLogger("test"));
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        forever.countDown();

        assertThat(delivered).isFalse();
        assertThat(tookMs).as("finish waits for the 300 ms deadline, not for Graphite").isLessThan(5_000);
    }
}
