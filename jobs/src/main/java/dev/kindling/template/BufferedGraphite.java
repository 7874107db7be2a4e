package dev.kindling.template;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import com.codahale.metrics.graphite.GraphiteSender;

/**
 * A GraphiteSender that never loses a point to a failed connection: points are queued (the oldest
 * dropped first past {@code capacity}, and counted) and a delivery that fails keeps them, with their
 * original timestamps, for the next attempt. Sockets have connect and read timeouts; a write to a
 * peer that never reads can still block, which is why the template flushes under a deadline.
 */
final class BufferedGraphite implements GraphiteSender {

    interface Connector {
        Socket connect() throws IOException;
    }

    private final Connector connector;
    private final int capacity;
    private final Deque<String> pending = new ArrayDeque<>();
    private final Object delivery = new Object(); // one delivery at a time; the queue's lock is never held during I/O
    private final AtomicLong dropped = new AtomicLong();
    private int failures;
    private String lastFailure = "";

    BufferedGraphite(Connector connector, int capacity) {
        this.connector = connector;
        this.capacity = capacity;
    }

    /** Plaintext protocol over TCP to host:port, with both timeouts set to timeoutMs. */
    static Connector tcp(String host, int port, int timeoutMs) {
        return () -> {
            Socket socket = new Socket();
            try {
                socket.setSoTimeout(timeoutMs);
                socket.connect(new InetSocketAddress(host, port), timeoutMs);
                return socket;
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        };
    }

    @Override
    public void connect() {
        // GraphiteReporter connects before each report; delivery connects in flush() instead, so that
        // the report's points are queued even when Graphite is down.
    }

    @Override
    public synchronized void send(String name, String value, long timestamp) {
        pending.addLast(name + ' ' + value + ' ' + timestamp + '\n');
        while (pending.size() > capacity) {
            pending.removeFirst();
            dropped.incrementAndGet();
        }
    }

    /** Delivers every queued point, in order; on failure they stay queued and the failure is kept. */
    @Override
    public void flush() throws IOException {
        synchronized (delivery) {
            List<String> batch;
            synchronized (this) {
                batch = List.copyOf(pending);
            }
            if (batch.isEmpty()) {
                return;
            }
            try (Socket socket = connector.connect(); OutputStream out = socket.getOutputStream()) {
                out.write(String.join("", batch).getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                synchronized (this) {
                    failures++;
                    lastFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
                }
                throw e;
            }
            synchronized (this) {
                // points sent while this batch was on the wire stay; points dropped meanwhile are gone already
                for (String sent : batch) {
                    if (pending.peekFirst() == sent) {
                        pending.removeFirst();
                    }
                }
            }
        }
    }

    @Override
    public boolean isConnected() {
        return false;
    }

    @Override
    public synchronized int getFailures() {
        return failures;
    }

    synchronized String lastFailure() {
        return lastFailure;
    }

    synchronized int pendingPoints() {
        return pending.size();
    }

    long droppedPoints() {
        return dropped.get();
    }

    @Override
    public void close() {
        // each delivery opens and closes its own socket
    }
}
