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

/**
 * The resolved configuration of one run. Layers, highest first: {@code --conf} on the command line,
 * {@code KINDLING_*} environment variables, the env's profile file, the built-in defaults below.
 * Values may refer to other keys as {@code ${key}}; {@code ${env}} is the env's name.
 */
public final class Settings {

    /** Kindling's own keys and their built-in defaults; every other key must start with "spark.". */
    public static final Map<String, String> DEFAULTS = defaults();

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

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("work.dir", "work");
        d.put("graphite.host", "");
        d.put("graphite.port", "2003");
        d.put("graphite.timeout.ms", "2000");
        d.put("metrics.prefix", "kindling.${env}");
        d.put("metrics.period.seconds", "0");
        d.put("metrics.flush.timeout.ms", "5000");
        d.put("metrics.csv.dir", "");
        d.put("metrics.buffer.points", "100000");
        d.put("metrics.spark.sink", "false");
        d.put("log.format", "json");
        d.put("log.file", "");
        d.put("log.level", "INFO");
        d.put("log.level.spark", "WARN");
        d.put("marketplace.database", "marketplace");
        d.put("mailing.database", "mailings");
        return Map.copyOf(d);
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
        merged.putAll(loadProfile(env, environment));
        DEFAULTS.keySet().forEach(key -> {
            String value = environment.get(environmentVariable(key));
            if (value != null) {
                merged.put(key, value);
            }
        });
        merged.putAll(cli);
        merged.put("work.dir", Path.of(merged.get("work.dir")).toAbsolutePath().normalize().toString());
        Map<String, String> resolved = new TreeMap<>();
        merged.forEach((key, value) -> resolved.put(key, interpolate(key, value, merged, env, 0)));
        Settings settings = new Settings(env, Map.copyOf(resolved), Map.copyOf(cli));
        settings.validate();
        return settings;
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

    private static Map<String, String> loadProfile(String env, Map<String, String> environment) {
        Properties properties = new Properties();
        String confDir = environment.get("KINDLING_CONF_DIR");
        Path external = confDir == null ? null : Path.of(confDir, env + ".properties");
        try {
            if (external != null && Files.isRegularFile(external)) {
                try (Reader reader = Files.newBufferedReader(external, StandardCharsets.UTF_8)) {
                    properties.load(reader);
                }
            } else {
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
        return profile;
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

    private void validate() {
        integer("graphite.port", 1, 65535);
        integer("graphite.timeout.ms", 1, 600_000);
        integer("metrics.period.seconds", 0, 86_400);
        integer("metrics.flush.timeout.ms", 1, 600_000);
        integer("metrics.buffer.points", 1, 10_000_000);
        String sink = get("metrics.spark.sink");
        if (!sink.equals("true") && !sink.equals("false")) {
            throw new InvalidInputException("setting metrics.spark.sink is '" + sink + "': allowed values are true, false");
        }
        String format = get("log.format");
        if (!format.equals("json") && !format.equals("plain")) {
            throw new InvalidInputException("setting log.format is '" + format + "': allowed values are json, plain");
        }
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
}
