package dev.kindling.template;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The one place that builds SparkSessions. Tests pass a provider that hands out a shared session. */
public interface SparkSessionProvider {

    SparkSession open(Settings settings, String appName);

    default void close(SparkSession session) {
        session.stop();
    }

    /** Hands out a session made elsewhere and leaves it running (tests, benchmarks, shared sessions). */
    static SparkSessionProvider of(SparkSession session) {
        return new SparkSessionProvider() {
            @Override
            public SparkSession open(Settings settings, String appName) {
                return session;
            }

            @Override
            public void close(SparkSession ignored) {
                // owned by whoever made it
            }
        };
    }

    /**
     * A session for interactive use (JShell, notebooks) on an env's profile, resolved like a job's
     * settings: extra {@code key=value} settings, then KINDLING_* variables, then the profile.
     */
    static SparkSession interactive(String env, String... settings) {
        Settings resolved = Settings.resolve(env, List.of(settings), System.getenv());
        return standard().open(resolved, "kindling-" + env + "-interactive");
    }

    /**
     * Settings from spark-submit ({@code --master}, {@code --conf}) win over the env profile, so a
     * cluster's launcher stays in charge; {@code kindling --conf} wins over both.
     */
    static SparkSessionProvider standard() {
        return (settings, appName) -> {
            SparkSession.Builder builder = SparkSession.builder().appName(appName);
            overSubmitted(settings, new SparkConf()).forEach(builder::config);
            if (settings.sparkSettings().getOrDefault("spark.hadoop." + EmbeddedMetastore.CONNECTION_URL, "").startsWith("jdbc:derby:")) {
                EmbeddedMetastore.keepDerbyLogIn(settings.workDir());
            }
            return builder.getOrCreate();
        };
    }

    /**
     * The spark.* settings that win over spark-submit's (its --conf arrive as spark.* system
     * properties, which a new SparkConf reads): all from kindling --conf, the profile's where
     * spark-submit is silent.
     */
    static Map<String, String> overSubmitted(Settings settings, SparkConf submitted) {
        Map<String, String> winning = new TreeMap<>();
        settings.sparkSettings().forEach((key, value) -> {
            if (settings.fromCommandLine(key) || !submitted.contains(key)) {
                winning.put(key, value);
            }
        });
        return winning;
    }

    /** Whether a Spark session already runs in this JVM with its metastore in a Derby database (the shared test session). */
    static boolean runningOnEmbeddedMetastore() {
        scala.Option<SparkSession> running = SparkSession.getDefaultSession();
        return running.isDefined()
                && running.get().sparkContext().hadoopConfiguration().get(EmbeddedMetastore.CONNECTION_URL, "").startsWith("jdbc:derby:");
    }
}
