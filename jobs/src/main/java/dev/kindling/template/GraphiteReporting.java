package dev.kindling.template;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.graphite.GraphiteReporter;
import org.apache.logging.log4j.Logger;

/**
 * Sends the registry to Graphite with metrics-graphite's GraphiteReporter through a
 * {@link BufferedGraphite}: every metrics.period.seconds if set, and once at the end of the run.
 * The end-of-run flush retries until metrics.flush.timeout.ms and then gives up with exactly one
 * warning line; metrics never fail a job and never hold it past that deadline.
 */
final class GraphiteReporting {

    static final String DROPPED = "metrics_points_dropped";
    private static final long RETRY_MS = 250;

    private final GraphiteReporter reporter;
    private final BufferedGraphite sender;
    private final String address;
    private final long flushTimeoutMs;
    private final boolean periodic;

    private GraphiteReporting(GraphiteReporter reporter, BufferedGraphite sender, String address, long flushTimeoutMs, boolean periodic) {
        this.reporter = reporter;
        this.sender = sender;
        this.address = address;
        this.flushTimeoutMs = flushTimeoutMs;
        this.periodic = periodic;
    }

    /** Null when no graphite.host is set: the run's metrics then only go to the log (and CSV, if set). */
    static GraphiteReporting startIfConfigured(Settings settings, String prefix, MetricRegistry registry) {
        if (!settings.isSet("graphite.host")) {
            return null;
        }
        String host = settings.get("graphite.host");
        int port = settings.integer("graphite.port", 1, 65535);
        int timeoutMs = settings.integer("graphite.timeout.ms", 1, 600_000);
        return start(settings, prefix, registry, BufferedGraphite.tcp(host, port, timeoutMs), host + ":" + port);
    }

    /** With any connector: tests pass one that hangs or fails. */
    static GraphiteReporting start(Settings settings, String prefix, MetricRegistry registry,
                                   BufferedGraphite.Connector connector, String address) {
        BufferedGraphite sender = new BufferedGraphite(connector, settings.integer("metrics.buffer.points", 1, 10_000_000));
        registry.register(DROPPED, (Gauge<Long>) sender::droppedPoints);
        GraphiteReporter reporter = GraphiteReporter.forRegistry(registry)
                .prefixedWith(prefix)
                .convertDurationsTo(TimeUnit.MILLISECONDS)
                .convertRatesTo(TimeUnit.SECONDS)
                .filter(MetricFilter.ALL)
                .build(sender);
        int period = settings.integer("metrics.period.seconds", 0, 86_400);
        if (period > 0) {
            reporter.start(period, TimeUnit.SECONDS);
        }
        return new GraphiteReporting(reporter, sender, address, settings.integer("metrics.flush.timeout.ms", 1, 600_000), period > 0);
    }

    /** The final report, with the points still queued from earlier ones; true once all were delivered. */
    boolean finish(Logger log) {
        long deadline = System.currentTimeMillis() + flushTimeoutMs;
        Thread flush = new Thread(() -> {
            if (periodic) {
                reporter.stop(); // stops the schedule after one last report
            } else {
                reporter.report();
            }
            while (sender.pendingPoints() > 0 && System.currentTimeMillis() + RETRY_MS < deadline) {
                sleep(RETRY_MS);
                try {
                    sender.flush();
                } catch (IOException stillDown) {
                    // kept for the next attempt
                }
            }
        }, "kindling-metrics-flush");
        flush.setDaemon(true);
        flush.start();
        try {
            flush.join(Math.max(1, deadline - System.currentTimeMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (flush.isAlive()) {
            log.warn("metrics: Graphite at {} did not take the final report within {} ms; {} points of this run are not in Graphite",
                    address, flushTimeoutMs, sender.pendingPoints());
            return false;
        }
        if (sender.pendingPoints() > 0) {
            log.warn("metrics: Graphite at {} is unreachable ({}); gave up after {} ms, {} points of this run are not in Graphite",
                    address, sender.lastFailure(), flushTimeoutMs, sender.pendingPoints());
            return false;
        }
        if (sender.droppedPoints() > 0) {
            log.warn("metrics: {} points were dropped while Graphite at {} was unreachable (buffer of metrics.buffer.points full)",
                    sender.droppedPoints(), address);
        }
        return true;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
