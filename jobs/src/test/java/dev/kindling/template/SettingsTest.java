package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
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
        assertThat(settings.integer("graphite.port")).isEqualTo(2020);
        assertThat(settings.get("metrics.prefix")).as("command line beats environment").isEqualTo("from.cli");
        assertThat(settings.sparkSettings()).containsEntry("spark.sql.shuffle.partitions", "7").containsEntry("spark.executor.memory", "3g");
        assertThat(settings.fromCommandLine("spark.executor.memory")).isTrue();
        assertThat(settings.fromCommandLine("spark.sql.shuffle.partitions")).isFalse();
    }

    @Test
    void valuesMayReferToOtherKeysAndTheEnvName() throws IOException {
        Map<String, String> environment = environmentWithProfile("""
                spark.sql.warehouse.dir=${work.dir}/warehouse
                """, Map.of("KINDLING_WORK_DIR", confDir.resolve("data").toString()));
        Settings settings = Settings.resolve("team", List.of(), environment);
        assertThat(settings.get("metrics.prefix")).isEqualTo("kindling.team");
        assertThat(settings.sparkSettings()).containsEntry("spark.sql.warehouse.dir", confDir.resolve("data") + "/warehouse");
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
                .hasMessage("setting log.format is 'xml' (from --conf): expected one of json, plain");
        assertThatThrownBy(() -> Settings.resolve("local", List.of("spark.x=${nope}"), Map.of()))
                .hasMessage("setting spark.x refers to ${nope}, which is not set");
    }

    @Test
    void aBadValueIsNamedWithWhereItCameFrom() throws IOException {
        String levels = "expected one of OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL (any case)";
        assertThatThrownBy(() -> Settings.resolve("local", List.of("log.level=LOUD"), Map.of()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("setting log.level is 'LOUD' (from --conf): " + levels);
        assertThatThrownBy(() -> Settings.resolve("local", List.of(), Map.of("KINDLING_LOG_LEVEL", "LOUD")))
                .hasMessage("setting log.level is 'LOUD' (from KINDLING_LOG_LEVEL): " + levels);
        Map<String, String> environment = environmentWithProfile("log.level=LOUD\n", Map.of());
        assertThatThrownBy(() -> Settings.resolve("team", List.of(), environment))
                .hasMessage("setting log.level is 'LOUD' (from profile " + confDir.resolve("team.properties") + "): " + levels);
    }

    static Stream<Arguments> valuesByType() {
        return Stream.of(
                Arguments.of("graphite.port", "2003", "0"),
                Arguments.of("graphite.port", "65535", "65536"),
                Arguments.of("graphite.timeout.ms", "1", "2s"),
                Arguments.of("metrics.period.seconds", "0", "-1"),
                Arguments.of("metrics.spark.sink", "true", "yes"),
                Arguments.of("metrics.spark.sink", "false", "TRUE"),
                Arguments.of("log.format", "plain", "xml"),
                Arguments.of("log.level", "debug", "LOUD"),
                Arguments.of("log.level.spark", "OFF", ""),
                Arguments.of("log.file", "", "\0"),
                Arguments.of("marketplace.database", "market_2", "market-2"),
                Arguments.of("spark.master", "local", "bogus"),
                Arguments.of("spark.master", "local[*]", "local[0]"),
                Arguments.of("spark.master", "local[4]", "local[x]"),
                Arguments.of("spark.master", "local[4, 2]", "mesos://host:5050"),
                Arguments.of("spark.master", "local-cluster[2, 1, 1024]", "local-cluster[2]"),
                Arguments.of("spark.master", "spark://host:7077", "spark://host"),
                Arguments.of("spark.master", "spark://a:7077,b:7077", "spark://a:7077,"),
                Arguments.of("spark.master", "yarn", "yarn-cluster"),
                Arguments.of("spark.master", "local[2]", "local[2] "),
                Arguments.of("spark.master", "k8s://https://kubernetes.default:443", "k8s://"),
                Arguments.of("spark.executor.memory", "4g", "abc"),
                Arguments.of("spark.executor.memory", "512m", "1.5g"),
                Arguments.of("spark.driver.memory", "2048", "-2g"),
                Arguments.of("spark.driver.maxResultSize", "0", "lots"),
                Arguments.of("spark.executor.memoryOverhead", "384MB", "384 MB"),
                Arguments.of("spark.sql.shuffle.partitions", "64", "-5"),
                Arguments.of("spark.sql.shuffle.partitions", " 8 ", "0"),
                Arguments.of("spark.executor.instances", "0", "two"),
                Arguments.of("spark.ui.enabled", "False", "no"));
    }

    @ParameterizedTest(name = "{0}: {1} is accepted, {2} is not")
    @MethodSource("valuesByType")
    void eachDeclaredKeyAcceptsWhatItsTypeAllowsAndNothingElse(String key, String good, String bad) {
        assertThat(Settings.resolve("local", List.of(key + "=" + good), Map.of()).get(key)).isEqualTo(good);
        assertThatThrownBy(() -> Settings.resolve("local", List.of(key + "=" + bad), Map.of()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("setting " + key + " is '" + bad + "' (from --conf): expected ");
    }

    @Test
    void theWorkDirMustBeAWritableDirectoryOrCreatableAsOne() throws IOException {
        Path file = Files.writeString(confDir.resolve("a-file"), "x");
        for (Path unusable : List.of(file, file.resolve("work"))) {
            assertThatThrownBy(() -> Settings.resolve("local", List.of(), Map.of("KINDLING_WORK_DIR", unusable.toString())))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("setting work.dir is '" + unusable + "' (from KINDLING_WORK_DIR): expected a writable directory, or a path where one can be created");
        }
        assertThatThrownBy(() -> Settings.resolve("local", List.of("work.dir="), Map.of()))
                .hasMessageStartingWith("setting work.dir is '' (from --conf)");
        assertThat(Settings.resolve("local", List.of("work.dir=" + confDir.resolve("new/nested")), Map.of()).workDir())
                .isEqualTo(confDir.resolve("new/nested"));
    }

    @Test
    void everyKindlingKeyHasAValidDefaultAndADoc() {
        for (Setting setting : Settings.KINDLING_KEYS) {
            assertThat(setting.doc()).as(setting.key()).isNotBlank();
            if (!setting.defaultValue().contains("${")) {
                assertThat(setting.type().accepts(setting.defaultValue())).as(setting.key()).isTrue();
            }
        }
    }

    /** The README's settings and exit code tables are generated: -DupdateReadme=true rewrites them. */
    @ParameterizedTest(name = "README block {0}")
    @MethodSource("generatedReadmeBlocks")
    void theReadmeTablesAreTheDeclarations(String name, String generated) throws IOException {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        Matcher block = Pattern.compile("(<!-- " + name + ":begin[^>]*-->\\n)(.*?)(<!-- " + name + ":end -->)", Pattern.DOTALL).matcher(text);
        assertThat(block.find()).as("README.md has the " + name + " markers").isTrue();
        String expected = "\n" + generated + "\n";
        if (Boolean.getBoolean("updateReadme")) {
            Files.writeString(readme, text.substring(0, block.start(2)) + expected + text.substring(block.end(2)));
            return;
        }
        assertThat(block.group(2)).as("README.md " + name + " block is stale: rerun this test with -DupdateReadme=true").isEqualTo(expected);
    }

    static Stream<Arguments> generatedReadmeBlocks() {
        return Stream.of(Arguments.of("settings", Settings.markdown()), Arguments.of("exit-codes", ExitCode.markdown()));
    }
}
