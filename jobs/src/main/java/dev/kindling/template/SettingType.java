package dev.kindling.template;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.apache.spark.network.util.JavaUtils;

/**
 * What values a setting accepts: a name for machines ({@code kindling spec --json}), a phrase for
 * people ("a whole number from 1 to 65535") and the test itself. Optional types accept "" as unset.
 */
public final class SettingType {

    /** Spark's master URL forms (SparkContext.createTaskScheduler; YARN and Kubernetes by their cluster managers). */
    private static final List<Pattern> MASTER_URLS = List.of(
            Pattern.compile("local"),
            Pattern.compile("local\\[([1-9][0-9]*|\\*)]"),
            Pattern.compile("local\\[([1-9][0-9]*|\\*)\\s*,\\s*[0-9]+]"),
            Pattern.compile("local-cluster\\[\\s*[1-9][0-9]*\\s*,\\s*[1-9][0-9]*\\s*,\\s*[1-9][0-9]*\\s*]"),
            Pattern.compile("spark://[^,/\\s]+:[0-9]+(,[^,/\\s]+:[0-9]+)*"),
            Pattern.compile("yarn"),
            Pattern.compile("k8s://\\S+"));

    private final String name;
    private final String allowed;
    private final List<String> choices;
    private final Long min;
    private final Long max;
    private final boolean optional;
    private final Predicate<String> accepts;

    private SettingType(String name, String allowed, List<String> choices, Long min, Long max, boolean optional, Predicate<String> accepts) {
        this.name = name;
        this.allowed = allowed;
        this.choices = choices;
        this.min = min;
        this.max = max;
        this.optional = optional;
        this.accepts = accepts;
    }

    private static SettingType of(String name, String allowed, Predicate<String> accepts) {
        return new SettingType(name, allowed, List.of(), null, null, false, accepts);
    }

    /** Any text, empty included (host names, metric prefixes, URIs). */
    public static SettingType text() {
        return new SettingType("text", "any text", List.of(), null, null, true, value -> true);
    }

    /** A whole number from min to max, as Java and Spark parse it (surrounding blanks ignored). */
    public static SettingType integer(long min, long max) {
        return new SettingType("integer", "a whole number from " + min + " to " + max, List.of(), min, max, false,
                value -> inRange(value, min, max));
    }

    /** A duration in milliseconds from min to max. */
    public static SettingType milliseconds(long min, long max) {
        return new SettingType("milliseconds", "a number of milliseconds from " + min + " to " + max, List.of(), min, max, false,
                value -> inRange(value, min, max));
    }

    /** true or false, exactly. */
    public static SettingType bool() {
        return new SettingType("boolean", "true or false", List.of("true", "false"), null, null, false,
                value -> value.equals("true") || value.equals("false"));
    }

    /** A boolean as Spark reads it: true or false in any letter case, blanks around ignored. */
    public static SettingType sparkBoolean() {
        return new SettingType("boolean", "true or false (any case)", List.of("true", "false"), null, null, false,
                value -> value.trim().equalsIgnoreCase("true") || value.trim().equalsIgnoreCase("false"));
    }

    /** One of the given values, exactly. */
    public static SettingType choice(String... values) {
        List<String> choices = List.of(values);
        return new SettingType("choice", "one of " + String.join(", ", choices), choices, null, null, false, choices::contains);
    }

    /** A log4j level, in any letter case as log4j reads it. */
    public static SettingType logLevel() {
        List<String> levels = List.of("OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL");
        return new SettingType("choice", "one of " + String.join(", ", levels) + " (any case)", levels, null, null, false,
                value -> levels.contains(value.toUpperCase(Locale.ROOT)));
    }

    /** A database name ({@link TableName#isIdentifier}). */
    public static SettingType identifier() {
        return of("identifier", "a name of " + TableName.IDENTIFIER_RULE, TableName::isIdentifier);
    }

    /** A table name with its database ({@link TableName#qualified}). */
    public static SettingType tableName() {
        return of("table", "database.table (" + TableName.RULE + ")", TableName::isValidQualified);
    }

    /** An http or https URL with a host; "" leaves it unset. */
    public static SettingType httpUrl() {
        return new SettingType("url", "an http:// or https:// URL with a host, or empty for none", List.of(), null, null, true, SettingType::isHttpUrl);
    }

    /** A local file path; "" leaves it unset. */
    public static SettingType optionalPath() {
        return new SettingType("path", "a local file path, or empty for none", List.of(), null, null, true, SettingType::isPath);
    }

    /** A local directory that exists or can be created, and that this process can write to. */
    public static SettingType writableDirectory() {
        return of("directory", "a writable directory, or a path where one can be created", SettingType::isUsableDirectory);
    }

    /** A size with Spark's units (b, k, m, g, t, p, optionally followed by b); a plain number is in defaultUnit. */
    public static SettingType sparkSize(String defaultUnit) {
        return of("size", "a size such as 512m or 4g (b, k, m, g, t, p; a plain number is in " + defaultUnit + ")", value -> {
            try {
                JavaUtils.byteStringAsBytes(value);
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    /** A master URL Spark starts with: local, local[N], local[*], local[N,F], local-cluster[N,C,M], spark://host:port, yarn, k8s://URL. */
    public static SettingType sparkMaster() {
        return of("master", "local, local[N], local[*], local[N,maxFailures], local-cluster[N,cores,memory], spark://host:port[,host:port], yarn or k8s://URL",
                value -> MASTER_URLS.stream().anyMatch(p -> p.matcher(value).matches()));
    }

    private static boolean isHttpUrl(String value) {
        try {
            URI uri = new URI(value);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static boolean inRange(String value, long min, long max) {
        try {
            long parsed = Long.parseLong(value.trim());
            return parsed >= min && parsed <= max;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean isPath(String value) {
        try {
            Path.of(value);
            return !value.isBlank();
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** The directory, or its nearest existing ancestor where it would be created, is a writable directory. */
    private static boolean isUsableDirectory(String value) {
        if (!isPath(value)) {
            return false;
        }
        Path path = Path.of(value).toAbsolutePath().normalize();
        while (path != null && !Files.exists(path)) {
            path = path.getParent();
        }
        return path != null && Files.isDirectory(path) && Files.isWritable(path);
    }

    /** Whether the accepted values are whole numbers (in a range). */
    boolean isWholeNumber() {
        return min != null;
    }

    public boolean accepts(String value) {
        return (optional && value.isEmpty()) || accepts.test(value);
    }

    /** What is allowed, for messages and the README. */
    public String allowed() {
        return allowed;
    }

    /** The machine-readable form, for kindling spec --json. */
    Map<String, Object> describe() {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("type", name);
        described.put("allowed", allowed);
        if (!choices.isEmpty()) {
            described.put("choices", choices);
        }
        if (min != null) {
            described.put("min", min);
            described.put("max", max);
        }
        described.put("optional", optional);
        return described;
    }
}
