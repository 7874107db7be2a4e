package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Precedence: --conf > KINDLING_* environment variables > the env's profile file > built-in defaults. */
class SettingsTest {

    @TempDir
    Path confDir;

    private Map<String, String> environmentWithProfile(String profile, Map<String, String> variables) throws IOException {
        Files.writeString(confDir.resolve("team.properties"), profile);
        java.util.HashMap<String, String> environment = new java.util.HashMap<>(variables);
        environment.put("KINDLING_CONF_DIR", confDir.toString());
        return environment;
    }

    @Test
    void eachLayerOverridesTheOneBelow() throws IOException {
        Map<String, String> environment = environmentWithProfile("""
                graphite.host=profile-host
                graphite.port=2010
                metrics.prefix=from.profile
                spark.sql.shuffle.partitions=7
                """, Map.of("KINDLING_GRAPHITE_PORT", "2020", "KINDLING_METRICS_PREFIX", "from.environment"));

        Settings settings = Settings.resolve("team", List.of("metrics.prefix=from.cli", "spark.executor.memory=3g"), environment);

        assertThat(settings.get("graphite.timeout.ms")).as("built-in default").isEqualTo("2000");
        assertThat(settings.get("graphite.host")).as("profile").isEqualTo("profile-host");
        assertThat(settings.get("graphite.port")).as("environment beats profile").isEqualTo("2020");
        assertThat(settings.get("metrics.prefix")).as("command line beats environment").isEqualTo("from.cli");
        assertThat(settings.sparkSettings()).containsEntry("spark.sql.shuffle.partitions", "7").containsEntry("spark.executor.memory", "3g");
        assertThat(settings.fromCommandLine("spark.executor.memory")).isTrue();
        assertThat(settings.fromCommandLine("spark.sql.shuffle.partitions")).isFalse();
    }

    @Test
    void valuesMayReferToOtherKeysAndTheEnvName() throws IOException {
        Map<String, String> environment = environmentWithProfile("""
                spark.sql.warehouse.dir=${work.dir}/warehouse
                """, Map.of("KINDLING_WORK_DIR", "/data/kindling"));
        Settings settings = Settings.resolve("team", List.of(), environment);
        assertThat(settings.get("metrics.prefix")).isEqualTo("kindling.team");
        assertThat(settings.sparkSettings()).containsEntry("spark.sql.warehouse.dir", "/data/kindling/warehouse");
    }

    @Test
    void theBuiltInLocalProfileIsEmbedded() {
        Settings settings = Settings.resolve("local", List.of(), Map.of("KINDLING_WORK_DIR", "/tmp/k"));
        assertThat(settings.sparkSettings())
                .containsEntry("spark.master", "local[*]")
                .containsEntry("spark.sql.catalogImplementation", "hive")
                .containsEntry("spark.sql.warehouse.dir", "/tmp/k/warehouse")
                .containsEntry("spark.hadoop.javax.jdo.option.ConnectionURL", "jdbc:derby:;databaseName=/tmp/k/metastore_db;create=true");
        assertThat(settings.isSet("graphite.host")).isFalse();
    }

    @Test
    void anExternalProfileReplacesTheBuiltInOneOfTheSameName() throws IOException {
        Files.writeString(confDir.resolve("prod.properties"), "graphite.host=graphite.internal\n");
        Settings settings = Settings.resolve("prod", List.of(), Map.of("KINDLING_CONF_DIR", confDir.toString()));
        assertThat(settings.get("graphite.host")).isEqualTo("graphite.internal");
        assertThat(settings.get("metrics.period.seconds")).as("nothing of the built-in prod profile").isEqualTo("0");
    }

    @Test
    void mistakesAreNamed() throws IOException {
        Map<String, String> environment = environmentWithProfile("graphite.prot=1\n", Map.of());
        assertThatThrownBy(() -> Settings.resolve("team", List.of(), environment))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("profile team.properties: key 'graphite.prot' is unknown");
        assertThatThrownBy(() -> Settings.resolve("../etc", List.of(), Map.of()))
                .hasMessageContaining("--env '../etc' is not a valid env name");
        assertThatThrownBy(() -> Settings.resolve("local", List.of("log.format=xml"), Map.of()))
                .hasMessage("setting log.format is 'xml': allowed values are json, plain");
        assertThatThrownBy(() -> Settings.resolve("local", List.of("spark.x=${nope}"), Map.of()))
                .hasMessage("setting spark.x refers to ${nope}, which is not set");
    }
}
