package dev.kindling.template;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Remembers which signal (SIGTERM from Airflow's on_kill or YARN, SIGINT from a terminal) is ending the
 * JVM, so that the run's metrics and its last log line give the exit code the process ends with
 * (128 + the signal's number). The JVM's own handler still runs after ours: shutdown hooks and the
 * exit status are unchanged.
 */
final class ShutdownSignal {

    private static final String[] WATCHED = {"TERM", "INT"};
    private static final List<Recorder> INSTALLED = new CopyOnWriteArrayList<>();
    private static boolean watching;

    private ShutdownSignal() {
    }

    /** Installs the recorders once per JVM; a signal the JVM does not handle (ignored, -Xrs) is left alone. */
    static synchronized void watch() {
        if (watching) {
            return;
        }
        watching = true;
        for (String name : WATCHED) {
            try {
                Signal signal = new Signal(name);
                Recorder recorder = new Recorder();
                SignalHandler previous = Signal.handle(signal, recorder);
                if (previous == SignalHandler.SIG_DFL || previous == SignalHandler.SIG_IGN) {
                    Signal.handle(signal, previous);
                } else {
                    recorder.chainTo(previous);
                    INSTALLED.add(recorder);
                }
            } catch (IllegalArgumentException reserved) {
                // the JVM keeps this signal to itself here: nothing to watch
            }
        }
    }

    /** 128 + the number of the signal that is ending the JVM, if one is. */
    static OptionalInt exitCode() {
        return received().map(signal -> OptionalInt.of(128 + signal.getNumber())).orElse(OptionalInt.empty());
    }

    /** "SIGTERM" or "SIGINT" for a log line; "a shutdown" when the JVM ends for another reason. */
    static String describe() {
        return received().map(signal -> "SIG" + signal.getName()).orElse("a shutdown");
    }

    private static Optional<Signal> received() {
        return INSTALLED.stream().map(recorder -> recorder.received).filter(signal -> signal != null).findFirst();
    }

    /** Records the signal, then hands it to the handler that was there before (the JVM's, which exits). */
    static final class Recorder implements SignalHandler {
        private volatile SignalHandler previous;
        volatile Signal received;

        void chainTo(SignalHandler handler) {
            previous = handler;
        }

        @Override
        public void handle(Signal signal) {
            received = signal;
            SignalHandler next = previous;
            if (next != null) {
                next.handle(signal);
            } else {
                System.exit(128 + signal.getNumber()); // arrived while being installed: exit as the JVM would
            }
        }
    }
}
