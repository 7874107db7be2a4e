package dev.kindling.template;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A Graphite plaintext listener on 127.0.0.1: keeps every line it is sent. */
final class PlaintextListener implements AutoCloseable {
    final ServerSocket server;
    final List<String> lines = new CopyOnWriteArrayList<>();

    PlaintextListener() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket client = server.accept();
                     BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
                    in.lines().forEach(lines::add);
                } catch (IOException closed) {
                    return;
                }
            }
        }, "graphite-listener");
        accept.setDaemon(true);
        accept.start();
    }

    long value(String path) throws InterruptedException {
        // the listener reads on its own thread: give it a moment (at most 5 s) to see the line
        for (int i = 0; i < 100 && lines.stream().noneMatch(line -> line.startsWith(path + " ")); i++) {
            Thread.sleep(50);
        }
        return lines.stream().filter(line -> line.startsWith(path + " ")).map(line -> line.split(" ")[1])
                .map(Long::parseLong).reduce((first, last) -> last)
                .orElseThrow(() -> new AssertionError("no " + path + " in " + lines));
    }

    /** Waits (at most 5 s) until n lines have arrived; returns them. */
    List<String> awaitLines(int n) throws InterruptedException {
        for (int i = 0; i < 100 && lines.size() < n; i++) {
            Thread.sleep(50);
        }
        return List.copyOf(lines);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
