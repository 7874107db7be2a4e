package dev.kindling.template;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The resolved configuration of one run. Layers, highest first: {@code --conf} on the command line,
 * {@code KINDLING_*} environment variables, the env's profile file, the built-in defaults below.
 * Values may refer to other keys as {@code ${key}}; {@code ${env}} is the env's name.
 */
public final class Settings {

    /** Kindling's own keys: each declared once, with the values it accepts, its default and its meaning. */
    public static final List<Setting> KINDLING_KEYS = List.of(
            Setting.kindling("work.dir", SettingType.writableDirectory(), "work",
                    "local state of the embedded default (metastore, warehouse, logs); `bin/kindling` uses `<repo>/work`"),
            Setting.kindling("graphite.host", SettingType.text(), "",
                    "host of the Graphite plaintext receiver; unset sends nothing"),
            Setting.kindling("graphite.port", SettingType.integer(1, 65_535), "2003",
                    "port of the Graphite plaintext receiver"),
            Setting.kindling("graphite.timeout.ms", SettingType.milliseconds(1, 600_000), "2000",
                    "connect and read timeout of the Graphite socket"),
            Setting.kindling("metrics.prefix", SettingType.text(), "kindling.${env}",
                    "metric paths are `<metrics.prefix>.<job>.<metric>`"),
            Setting.kindling("metrics.period.seconds", SettingType.integer(0, 86_400), "0",
                    "also report every N seconds during the run (0: only the final report)"),
            Setting.kindling("metrics.flush.timeout.ms", SettingType.milliseconds(1, 600_000), "5000",
                    "the final report never holds the run longer than this"),
            Setting.kindling("metrics.csv.dir", SettingType.optionalPath(), "",
                    "also append final values as CSV, one file per metric (the local profile: `${work.dir}/metrics`)"),
            Setting.kindling("metrics.buffer.points", SettingType.integer(1, 10_000_000), "100000",
                    "points kept while Graphite is unreachable (oldest dropped first, counted)"),
            Setting.kindling("metrics.spark.sink", SettingType.bool(), "false",
                    "also switch on Spark's own GraphiteSink under the job's prefix"),
            Setting.kindling("lineage.url", SettingType.httpUrl(), "",
                    "OpenLineage HTTP receiver (e.g. `http://marquez:5000`): switches on the OpenLineage Spark listener and Kindling's own run event; unset sends no lineage"),
            Setting.kindling("lineage.endpoint", SettingType.text(), "/api/v1/lineage",
                    "path of the receiver's lineage endpoint under lineage.url"),
            Setting.kindling("lineage.namespace", SettingType.text(), "kindling-${env}",
                    "OpenLineage namespace of Kindling's runs (`<job>`) and of the Spark runs under them (`kindling_<job>` and its queries)"),
            Setting.kindling("lineage.timeout.ms", SettingType.milliseconds(1, 600_000), "2000",
                    "connect and response timeout of each lineage event; a receiver that is down or hangs never fails a run and holds its end up by about three times this at most (Kindling's event, the listener's queue, the event in flight)"),
            Setting.kindling("log.format", SettingType.choice("json", "plain"), "json",
                    "`json` (one object a line) or `plain` (for reading at a terminal)"),
            Setting.kindling("log.file", SettingType.optionalPath(), "",
                    "also append JSON log lines to this file (the local profile: `${work.dir}/logs/kindling.jsonl`)"),
            Setting.kindling("log.level", SettingType.logLevel(), "INFO",
                    "level of Kindling's own loggers"),
            Setting.kindling("log.level.spark", SettingType.logLevel(), "WARN",
                    "level of every other logger: Spark, Hadoop, Hive"),
            Setting.kindling("marketplace.database", SettingType.identifier(), "marketplace",
                    "where the audience DSL reads users, transactions, categories and postal codes"),
            // its default names marketplace.database's value; keys are checked in name order, so a bad database name is reported first, as given
            Setting.kindling("marketplace.suppressions.table", SettingType.tableName(), "${marketplace.database}.suppressions",
                    "the standing suppression list (`user_id BIGINT, reason STRING, since DATE`): users who unsubscribed or asked to be forgotten,"
                            + " left out of every mailing list; a list is not published while it is missing"),
            Setting.kindling("marketplace.suppressions.max.loss.percent", SettingType.integer(0, 100), "99",
                    "a mailing list is refused (exit 3, nothing published) when its suppression list lost more than this percentage of its users"
                            + " since the list was last published: the default catches a list emptied by an overwrite gone wrong; 100 turns the check off"),
            Setting.kindling("mailing.database", SettingType.identifier(), "mailings",
                    "where mailing lists go"),
            Setting.kindling("quality.history.table", SettingType.tableName(), "quality.check_results",
                    "where data-quality check results go, one partition per logical date (`verify`), and where change checks read earlier counts"),
            Setting.kindling("tables.retention.days", SettingType.integer(1, 3650), "7",
                    "`maintain` expires a table's snapshots (and deletes files only they hold, CSV copies of mailing lists among them) once older than this many days; readers and rollbacks reach back this far"),
            Setting.kindling("tables.retention.keep.last", SettingType.integer(1, 1000), "10",
                    "`maintain` keeps at least this many of a table's latest published snapshots, however old"),
            Setting.kindling("models.dir", SettingType.text(), "${work.dir}/models",
                    "where `train` writes model versions (`<name>/<logical date>/<run id>_<attempt>`) and each model's pointer files (`<name>/pointer/<n>.properties`, the highest current), which `score` reads; any Hadoop path"));

    /**
     * Well-known spark.* keys checked before any SparkSession starts, as Spark itself parses them; any
     * other spark.* key is passed to Spark unchecked.
     */
    public static final List<Setting> SPARK_KEYS = List.of(
            Setting.spark("spark.master", SettingType.sparkMaster(), "where Spark runs"),
            Setting.spark("spark.driver.memory", SettingType.sparkSize("MiB"), "heap of the driver"),
            Setting.spark("spark.executor.memory", SettingType.sparkSize("MiB"), "heap of each executor"),
            Setting.spark("spark.executor.memoryOverhead", SettingType.sparkSize("MiB"), "non-heap memory of each executor"),
            Setting.spark("spark.driver.maxResultSize", SettingType.sparkSize("bytes"), "largest result collected to the driver (0: unlimited)"),
            Setting.spark("spark.driver.cores", SettingType.integer(1, Integer.MAX_VALUE), "cores of the driver"),
            Setting.spark("spark.executor.cores", SettingType.integer(1, Integer.MAX_VALUE), "cores of each executor"),
            Setting.spark("spark.executor.instances", SettingType.integer(0, Integer.MAX_VALUE), "number of executors"),
            Setting.spark("spark.default.parallelism", SettingType.integer(1, Integer.MAX_VALUE), "partitions of RDD shuffles"),
            Setting.spark("spark.sql.shuffle.partitions", SettingType.integer(1, Integer.MAX_VALUE), "partitions of SQL shuffles"),
            Setting.spark("spark.sql.adaptive.enabled", SettingType.sparkBoolean(), "adaptive query execution"),
            Setting.spark("spark.dynamicAllocation.enabled", SettingType.sparkBoolean(), "executors added and removed with the load"),
            Setting.spark("spark.ui.enabled", SettingType.sparkBoolean(), "the Spark web UI"),
            Setting.spark("spark.ui.showConsoleProgress", SettingType.sparkBoolean(), "progress bars on the console"));

    /** Kindling's keys and their built-in defaults; every other key must start with "spark.". */
    public static final Map<String, String> DEFAULTS = KINDLING_KEYS.stream()
            .collect(Collectors.toUnmodifiableMap(Setting::key, Setting::defaultValue));

    private static final Map<String, Setting> DECLARED = Stream.concat(KINDLING_KEYS.stream(), SPARK_KEYS.stream())
            .collect(Collectors.toUnmodifiableMap(Setting::key, setting -> setting));

    public static final List<String> BUILT_IN_PROFILES = List.of("local", "dev", "prod");

    private static final Pattern ENV_NAME = Pattern.compile("[a-z][a-z0-9_-]*");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([^}]+)}");

    private final String env;
    private final Map<String, String> values;
    private final Map<String, String> fromCommandLine;

    private Settings(String env, Map<String, String> values, Map<String, String> fromCommandLine) {
        this.env = env;
        this.values = values;
        this.fromCommandLine = fromCommandLine;
    }

    /** Environment variable for a Kindling key: work.dir is KINDLING_WORK_DIR. */
    public static String environmentVariable(String key) {
        return "KINDLING_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    public static Settings resolve(String env, List<String> commandLine, Map<String, String> environment) {
        if (env == null || !ENV_NAME.matcher(env).matches()) {
            throw new InvalidInputException("--env '" + env + "' is not a valid env name (lower-case letters, digits, '-' and '_')");
        }
        Map<String, String> cli = parseCommandLine(commandLine);
        Map<String, String> merged = new TreeMap<>(DEFAULTS);
        Map<String, String> sources = new TreeMap<>();
        DEFAULTS.keySet().forEach(key -> sources.put(key, "the built-in default"));
        Profile profile = loadProfile(env, environment);
        putAll(merged, sources, profile.values(), profile.name());
        DEFAULTS.keySet().forEach(key -> {
            String value = environment.get(environmentVariable(key));
            if (value != null) {
                merged.put(key, value);
                sources.put(key, environmentVariable(key));
            }
        });
        putAll(merged, sources, cli, "--conf");
        // Checked before it becomes absolute: other keys refer to it, and "" must not mean the current directory.
        DECLARED.get("work.dir").check(merged.get("work.dir"), sources.get("work.dir"));
        merged.put("work.dir", Path.of(merged.get("work.dir")).toAbsolutePath().normalize().toString());
        Map<String, String> resolved = new TreeMap<>();
        merged.forEach((key, value) -> resolved.put(key, interpolate(key, value, merged, env, 0)));
        resolved.forEach((key, value) -> {
            Setting declared = DECLARED.get(key);
            if (declared != null) {
                declared.check(value, sources.get(key));
            }
        });
        return new Settings(env, Map.copyOf(resolved), Map.copyOf(cli));
    }

    private static void putAll(Map<String, String> merged, Map<String, String> sources, Map<String, String> layer, String source) {
        merged.putAll(layer);
        layer.keySet().forEach(key -> sources.put(key, source));
    }

    private static Map<String, String> parseCommandLine(List<String> entries) {
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String entry : entries) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException("--conf '" + entry + "' is malformed: expected KEY=VALUE, e.g. --conf spark.sql.shuffle.partitions=64");
            }
            String key = entry.substring(0, eq).trim();
            checkKnown(key, "--conf");
            parsed.put(key, entry.substring(eq + 1));
        }
        return parsed;
    }

    private static void checkKnown(String key, String where) {
        if (!key.startsWith("spark.") && !DEFAULTS.containsKey(key)) {
            throw new InvalidInputException(where + " key '" + key + "' is unknown: use a spark.* key or one of " + new TreeSet<>(DEFAULTS.keySet()));
        }
    }

    /** The settings of an env's profile file, and how messages name that file. */
    private record Profile(String name, Map<String, String> values) {
    }

    private static Profile loadProfile(String env, Map<String, String> environment) {
        Properties properties = new Properties();
        String name;
        String confDir = environment.get("KINDLING_CONF_DIR");
        Path external = confDir == null ? null : Path.of(confDir, env + ".properties");
        try {
            if (external != null && Files.isRegularFile(external)) {
                name = "profile " + external;
                try (Reader reader = Files.newBufferedReader(external, StandardCharsets.UTF_8)) {
                    properties.load(reader);
                }
            } else {
                name = "built-in profile " + env + ".properties";
                try (InputStream in = Settings.class.getResourceAsStream("/kindling/profiles/" + env + ".properties")) {
                    if (in == null) {
                        throw new InvalidInputException("--env '" + env + "' is unknown: no " + env + ".properties in "
                                + (confDir == null ? "$KINDLING_CONF_DIR (not set)" : confDir)
                                + " and no built-in profile; built-in envs are " + BUILT_IN_PROFILES);
                    }
                    properties.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new InvalidInputException("profile of env '" + env + "' cannot be read: " + e.getMessage());
        }
        Map<String, String> profile = new LinkedHashMap<>();
        properties.stringPropertyNames().forEach(key -> {
            checkKnown(key, "profile " + env + ".properties:");
            profile.put(key, properties.getProperty(key).trim());
        });
        return new Profile(name, profile);
    }

    private static String interpolate(String key, String value, Map<String, String> all, String env, int depth) {
        if (depth > 10) {
            throw new InvalidInputException("setting " + key + " refers to itself through ${...}");
        }
        Matcher m = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String ref = m.group(1);
            String replacement;
            if (ref.equals("env")) {
                replacement = env;
            } else if (all.containsKey(ref)) {
                replacement = interpolate(ref, all.get(ref), all, env, depth + 1);
            } else {
                throw new InvalidInputException("setting " + key + " refers to ${" + ref + "}, which is not set");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    public String env() {
        return env;
    }

    public String get(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("no setting " + key);
        }
        return value;
    }

    public boolean isSet(String key) {
        String value = values.get(key);
        return value != null && !value.isBlank();
    }

    /** A declared whole-number setting, within the range its declaration allows (checked at resolve). */
    public int integer(String key) {
        Setting declared = DECLARED.get(key);
        if (declared == null || !declared.type().isWholeNumber()) {
            throw new IllegalArgumentException(key + " is not a declared whole-number setting");
        }
        return Integer.parseInt(get(key).trim());
    }

    public int integer(String key, int min, int max) {
        String value = get(key);
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new InvalidInputException("setting " + key + " is '" + value + "': expected a whole number from " + min + " to " + max);
    }

    /** The spark.* settings, and whether each came from the command line (which beats spark-submit's). */
    public Map<String, String> sparkSettings() {
        Map<String, String> spark = new TreeMap<>();
        values.forEach((key, value) -> {
            if (key.startsWith("spark.")) {
                spark.put(key, value);
            }
        });
        return spark;
    }

    /** A copy with these spark.* settings added, winning over spark-submit's like {@code --conf} (settings a run must have its way on). */
    Settings withWinning(Map<String, String> spark) {
        Map<String, String> merged = new TreeMap<>(values);
        merged.putAll(spark);
        Map<String, String> winning = new TreeMap<>(fromCommandLine);
        winning.putAll(spark);
        return new Settings(env, Map.copyOf(merged), Map.copyOf(winning));
    }

    /** A copy with these settings added where nothing set them (for settings the template derives). */
    Settings withDefaults(Map<String, String> derived) {
        Map<String, String> merged = new TreeMap<>(derived);
        merged.putAll(values);
        return new Settings(env, Map.copyOf(merged), fromCommandLine);
    }

    public boolean fromCommandLine(String key) {
        return fromCommandLine.containsKey(key);
    }

    /** The absolute work directory for local state (embedded metastore, warehouse, logs). */
    public Path workDir() {
        return Path.of(get("work.dir"));
    }

    /** The README's settings tables, generated from the declarations ({@code kindling settings --markdown}). */
    public static String markdown() {
        StringBuilder md = new StringBuilder("| key | default | allowed | meaning |\n| --- | --- | --- | --- |\n");
        for (Setting setting : KINDLING_KEYS) {
            String shown = setting.defaultValue().isEmpty() ? "unset" : "`" + setting.defaultValue() + "`";
            md.append("| `").append(setting.key()).append("` | ").append(shown).append(" | ")
                    .append(setting.type().allowed()).append(" | ").append(setting.doc()).append(" |\n");
        }
        md.append("\nspark.* keys that are checked before Spark starts (any other spark.* key goes to Spark unchecked):\n\n")
                .append("| key | allowed | meaning |\n| --- | --- | --- |\n");
        for (Setting setting : SPARK_KEYS) {
            md.append("| `").append(setting.key()).append("` | ").append(setting.type().allowed().replace("|", "\\|"))
                    .append(" | ").append(setting.doc()).append(" |\n");
        }
        return md.toString();
    }
}
