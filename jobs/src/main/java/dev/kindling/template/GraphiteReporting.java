package dev.kindling.template;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.SocketFactory;

import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.graphite.Graphite;
import com.codahale.metrics.graphite.GraphiteReporter;
import com.codahale.metrics.graphite.GraphiteSender;
import org.apache.logging.log4j.Logger;

/**
 * Sends the registry to Graphite with metrics-graphite: periodically if metrics.period.seconds is
 * set, and once at the end of the run within metrics.flush.timeout.ms. Sockets have connect and read
 * timeouts; failures never fail the job and give exactly one warning line at the end.
 */
final class GraphiteReporting {

    private final GraphiteReporter reporter;
    private final WatchedSender sender;
    private final String address;
    private final long flushTimeoutMs;
    private final boolean periodic;

    private GraphiteReporting(GraphiteReporter reporter, WatchedSender sender, String address, long flushTimeoutMs, boolean periodic) {
        this.reporter = reporter;
        this.sender = sender;
        this.address = address;
        this.flushTimeoutMs = flushTimeoutMs;
        this.periodic = periodic;
    }

    /** Null when no graphite.host is set: the run's metrics then only go to the log summary. */
    static GraphiteReporting startIfConfigured(Settings settings, String prefix, MetricRegistry registry) {
        if (!settings.isSet("graphite.host")) {
            return null;
        }
        return start(settings, prefix, registry, null);
    }

    /** With a sender given (tests), that sender replaces the socket to graphite.host. */
    static GraphiteReporting start(Settings settings, String prefix, MetricRegistry registry, GraphiteSender given) {
        String host = settings.get("graphite.host");
        int port = settings.integer("graphite.port", 1, 65535);
        int timeoutMs = settings.integer("graphite.timeout.ms", 1, 600_000);
        WatchedSender sender = new WatchedSender(given != null ? given : new Graphite(host, port, new TimeoutSocketFactory(timeoutMs)));
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
        return new GraphiteReporting(reporter, sender, host + ":" + port, settings.integer("metrics.flush.timeout.ms", 1, 600_000), period > 0);
    }

    /** Sends the final report, waiting at most metrics.flush.timeout.ms; returns whether it arrived. */
    boolean finish(Logger log) {
        int failuresBefore = sender.failures.get();
        Thread flush = new Thread(() -> {
            if (periodic) {
                reporter.stop(); // reports once more, then stops the schedule
            } else {
                reporter.report();
            }
        }, "kindling-metrics-flush");
        flush.setDaemon(true);
        flush.start();
        try {
            flush.join(flushTimeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (flush.isAlive()) {
            log.warn("metrics: Graphite at {} did not take the final report within {} ms; this run's final values are not in Graphite", address, flushTimeoutMs);
            return false;
        }
        if (sender.failures.get() > failuresBefore) {
            log.warn("metrics: Graphite at {} is unreachable ({}); this run's final values are not in Graphite", address, sender.lastFailure.get());
            return false;
        }
        return true;
    }

    /** Remembers failures, which GraphiteReporter would otherwise only log and forget. */
    private static final class WatchedSender implements GraphiteSender {
        private final GraphiteSender delegate;
        private final AtomicInteger failures = new AtomicInteger();
        private final AtomicReference<String> lastFailure = new AtomicReference<>("");

        WatchedSender(GraphiteSender delegate) {
            this.delegate = delegate;
        }

        private IOException failed(IOException e) {
            failures.incrementAndGet();
            lastFailure.set(e.getClass().getSimpleName() + ": " + e.getMessage());
            return e;
        }

        @Override
        public void connect() throws IOException {
            try {
                delegate.connect();
            } catch (IOException e) {
                throw failed(e);
            }
        }

        @Override
        public void send(String name, String value, long timestamp) throws IOException {
            try {
                delegate.send(name, value, timestamp);
            } catch (IOException e) {
                throw failed(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                delegate.flush();
            } catch (IOException e) {
                throw failed(e);
            }
        }

        @Override
        public boolean isConnected() {
            return delegate.isConnected();
        }

        @Override
        public int getFailures() {
            return failures.get();
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }

    /** Graphite's default sockets have no timeouts; a black-holed host would hang the report. */
    private static final class TimeoutSocketFactory extends SocketFactory {
        private final int timeoutMs;

        TimeoutSocketFactory(int timeoutMs) {
            this.timeoutMs = timeoutMs;
        }

        private Socket connected(InetSocketAddress address) throws IOException {
            Socket socket = new Socket();
            socket.setSoTimeout(timeoutMs);
            try {
                socket.connect(address, timeoutMs);
            } catch (IOException e) {
                socket.close();
                throw e;
            }
            return socket;
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return connected(new InetSocketAddress(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return createSocket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return connected(new InetSocketAddress(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return createSocket(address, port);
        }
    }
}
