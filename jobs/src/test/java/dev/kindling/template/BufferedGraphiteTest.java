package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

/** Points survive a Graphite that is down: queued in order, replayed with their own timestamps. */
class BufferedGraphiteTest {

    /** Connects to a real local listener while "up", refuses like a closed port while "down". */
    private static BufferedGraphite.Connector switchable(PlaintextListener listener, AtomicBoolean up) {
        return () -> {
            if (!up.get()) {
                throw new ConnectException("Connection refused");
            }
            return new Socket(InetAddress.getLoopbackAddress(), listener.server.getLocalPort());
        };
    }

    @Test
    void pointsSentWhileGraphiteIsDownArriveOnceItIsUp() throws IOException, InterruptedException {
        AtomicBoolean up = new AtomicBoolean(false);
        PlaintextListener graphite = new PlaintextListener();
        BufferedGraphite sender = new BufferedGraphite(switchable(graphite, up), 100);

        sender.send("kindling.t.job.rows_written", "5", 1_700_000_001);
        assertThatThrownBy(sender::flush).isInstanceOf(ConnectException.class);
        sender.send("kindling.t.job.rows_written", "7", 1_700_000_002);
        assertThatThrownBy(sender::flush).isInstanceOf(ConnectException.class);
        assertThat(sender.pendingPoints()).isEqualTo(2);
        assertThat(sender.getFailures()).isEqualTo(2);

        up.set(true);
        sender.send("kindling.t.job.success", "1", 1_700_000_003);
        sender.flush();

        assertThat(graphite.awaitLines(3)).containsExactly(
                "kindling.t.job.rows_written 5 1700000001",
                "kindling.t.job.rows_written 7 1700000002",
                "kindling.t.job.success 1 1700000003");
        assertThat(sender.pendingPoints()).isZero();
        graphite.close();
    }

    @Test
    void aFullBufferDropsTheOldestPointsAndCountsThem() throws IOException, InterruptedException {
        AtomicBoolean up = new AtomicBoolean(false);
        PlaintextListener graphite = new PlaintextListener();
        BufferedGraphite sender = new BufferedGraphite(switchable(graphite, up), 3);
        for (int i = 1; i <= 5; i++) {
            sender.send("m", String.valueOf(i), 1_700_000_000 + i);
        }
        assertThat(sender.droppedPoints()).isEqualTo(2);
        up.set(true);
        sender.flush();
        assertThat(graphite.awaitLines(3)).containsExactly("m 3 1700000003", "m 4 1700000004", "m 5 1700000005");
        graphite.close();
    }

    @Test
    void pathsFromDataAreMadeSafe() {
        assertThat(MetricPath.segment("Sports & Outdoor/Bikes")).isEqualTo("Sports_Outdoor_Bikes");
        assertThat(MetricPath.segment("Łódź.zachód")).isEqualTo("odz_zachod");
        assertThat(MetricPath.segment(" ")).isEqualTo("unknown");
        assertThat(MetricPath.path("kindling.team a.job")).isEqualTo("kindling.team_a.job");
        JobMetrics metrics = new JobMetrics();
        metrics.set("rows_by_category.Garden & Patio", 4);
        assertThat(metrics.snapshot()).containsEntry("rows_by_category.Garden_Patio", 4L);
    }
}
