package dev.kindling.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import dev.kindling.template.Launcher;
import dev.kindling.template.Outputs;
import dev.kindling.template.SparkSessionProvider;

/** Runs the real entry point in-process and keeps what it printed and returned. */
public final class Kindling {

    public record Result(int exitCode, String out, String err) {
        public List<String> errLines() {
            return err.lines().toList();
        }
    }

    private final Map<String, String> environment = new HashMap<>();
    private SparkSessionProvider sessions = SparkSessionProvider.of(TestSpark.session());
    private UnaryOperator<Outputs> outputs = UnaryOperator.identity();

    private Kindling() {
    }

    /** Runs on the shared test session, with the work dir the session uses. */
    public static Kindling onTestSpark() {
        Kindling kindling = new Kindling();
        kindling.environment.put("KINDLING_WORK_DIR", TestSpark.workDir().toString());
        return kindling;
    }

    /** Runs with a provider given by the test (e.g. one that must never be called). */
    public static Kindling with(SparkSessionProvider sessions) {
        Kindling kindling = new Kindling();
        kindling.sessions = sessions;
        kindling.environment.put("KINDLING_WORK_DIR", "target/test-work/no-spark");
        return kindling;
    }

    public Kindling env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Jobs write through a fake that forwards to the run's outputs (see {@link Launcher#withOutputs}). */
    public Kindling outputs(UnaryOperator<Outputs> fake) {
        outputs = fake;
        return this;
    }

    public Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new Launcher(dev.kindling.Kindling.JOBS, sessions, environment,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)).withOutputs(outputs).execute(args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
