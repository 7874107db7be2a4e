package dev.kindling.checks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kindling.checks.Check.Severity;
import dev.kindling.template.InvalidInputException;
import dev.kindling.template.TableName;

/**
 * Reads a check file, YAML ({@code .yaml}, {@code .yml}) or JSON ({@code .json}), with Jackson, into
 * {@link Check} records. Every field is validated where it is given, and a key a kind does not know is
 * an error: a mistake is one line naming the file, the check, the key, the value and what is allowed.
 */
public final class CheckFile {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,100}");
    private static final Pattern AGE = Pattern.compile("(\\d{1,9})([dhms])");
    /** The longest regular expression a pattern check takes: every value of the column is matched against it. */
    static final int MAX_REGEX_LENGTH = 500;
    /** Keys every check has, in the order messages list them (a Set.of would list them in a different order in each JVM). */
    private static final List<String> COMMON = List.of("name", "kind", "severity");
    private static final Map<String, Set<String>> KEYS = Map.of(
            "row_count", Set.of("min", "max"),
            "row_count_change", Set.of("history", "min_history", "season", "max_decrease", "max_increase", "max_deviation"),
            "completeness", Set.of("column", "max_null_share"),
            "uniqueness", Set.of("columns"),
            "range", Set.of("column", "min", "max", "max_share"),
            "in_set", Set.of("column", "values", "max_share"),
            "pattern", Set.of("column", "regex", "max_share"),
            "freshness", Set.of("column", "max_age"),
            "coverage", Set.of("columns", "reference", "reference_columns", "reference_partition_column", "filter", "category_column",
                    "max_missing_share"));
    private static final List<String> KINDS = List.of("row_count", "row_count_change", "completeness", "uniqueness", "range", "in_set",
            "pattern", "freshness", "coverage");

    /**
     * What a check file says: its checks, and whether an empty partition may be verified
     * ({@code allow_empty: true} at the top; otherwise verify refuses a partition with no rows, on which
     * every share check would pass).
     */
    public record Contents(List<Check> checks, boolean allowEmpty) {
    }

    private CheckFile() {
    }

    /** The checks of a file; any problem is an {@link InvalidInputException} (exit 2) naming the option. */
    public static Contents read(String option, Path file) {
        String where = option + " " + file;
        String lower = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean yaml = lower.endsWith(".yaml") || lower.endsWith(".yml");
        if (!yaml && !lower.endsWith(".json")) {
            throw new InvalidInputException(where + ": a check file must end in .yaml, .yml or .json");
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(where + " does not exist");
        } catch (IOException e) {
            throw new InvalidInputException(where + " cannot be read: " + e.getMessage());
        }
        return parse(where, text, yaml);
    }

    /** The checks of a file's text; {@code where} names the file in messages. */
    public static Contents parse(String where, String text, boolean yaml) {
        ObjectMapper mapper = yaml ? new ObjectMapper(new YAMLFactory()) : new ObjectMapper();
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            String line = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new InvalidInputException(where + " is not valid " + (yaml ? "YAML" : "JSON") + line + ": " + oneLine(e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidInputException(where + ": expected an object with a 'checks' list, e.g. checks: [{name: rows, kind: row_count, severity: error, min: 1}]");
        }
        unknownKeys(where, root, Set.of("checks", "allow_empty"), "allowed at the top: checks, allow_empty");
        JsonNode allowEmpty = root.get("allow_empty");
        if (allowEmpty != null && !allowEmpty.isBoolean()) {
            throw new InvalidInputException(where + ": allow_empty " + allowEmpty + " is not allowed; use true or false");
        }
        JsonNode list = root.get("checks");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new InvalidInputException(where + ": 'checks' must be a non-empty list of checks");
        }
        List<Check> checks = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            Check check = check(where + ": check " + (i + 1), list.get(i));
            if (!names.add(check.name().toLowerCase(Locale.ROOT))) {
                throw new InvalidInputException(where + ": check " + (i + 1) + ": name '" + check.name() + "' is used twice; each check needs its own name");
            }
            checks.add(check);
        }
        return new Contents(List.copyOf(checks), allowEmpty != null && allowEmpty.booleanValue());
    }

    private static Check check(String where, JsonNode node) {
        if (!node.isObject()) {
            throw new InvalidInputException(where + ": expected an object with name, kind, severity and the kind's keys, not " + shown(node));
        }
        String name = text(where, node, "name", NAME, "letters, digits, '_' and '-' (at most 100)");
        String at = where + " ('" + name + "')";
        String kind = text(at, node, "kind", null, null);
        if (!KEYS.containsKey(kind)) {
            throw new InvalidInputException(at + ": kind '" + kind + "' is unknown; use one of " + KINDS);
        }
        Set<String> allowed = new LinkedHashSet<>(COMMON);
        allowed.addAll(new java.util.TreeSet<>(KEYS.get(kind)));
        unknownKeys(at, node, allowed, "keys of kind " + kind + ": " + allowed);
        String severityText = text(at, node, "severity", null, null);
        Severity severity = switch (severityText) {
            case "error" -> Severity.ERROR;
            case "warning" -> Severity.WARNING;
            default -> throw new InvalidInputException(at + ": severity '" + severityText + "' is not allowed; use error or warning");
        };
        Fields f = new Fields(at, node);
        Check.Rule rule = switch (kind) {
            case "row_count" -> {
                Optional<Long> min = f.optionalCount("min");
                Optional<Long> max = f.optionalCount("max");
                f.atLeastOne("min", "max");
                if (min.isPresent() && max.isPresent() && min.get() > max.get()) {
                    throw new InvalidInputException(at + ": min " + min.get() + " is above max " + max.get());
                }
                yield new Check.RowCount(min, max);
            }
            case "row_count_change" -> {
                RowCountBaseline.Season season = f.season("season");
                boolean weekly = season == RowCountBaseline.Season.WEEKLY;
                int history = f.optionalCount("history").orElse(weekly ? 4L : 7L).intValue();
                int minHistory = f.optionalCount("min_history").orElse(3L).intValue();
                int most = weekly ? 52 : 366;
                if (history < 1 || history > most) {
                    throw new InvalidInputException(at + ": history " + history + " is out of range; use 1 to " + most
                            + (weekly ? " earlier weeks" : " earlier logical dates"));
                }
                if (minHistory < 1 || minHistory > history) {
                    throw new InvalidInputException(at + ": min_history " + minHistory + " is out of range; use 1 to history (" + history + ")");
                }
                Optional<Double> decrease = f.optionalShare("max_decrease");
                Optional<Double> increase = f.optionalNumber("max_increase", 0, Double.MAX_VALUE, "a number of at least 0, e.g. 1.0 for +100%");
                Optional<Double> deviation = f.optionalNumber("max_deviation", 0.5, 100, "a number of typical deviations from 0.5 to 100, e.g. 6");
                f.atLeastOne("max_decrease", "max_increase", "max_deviation");
                yield new Check.RowCountChange(history, minHistory, season, decrease, increase, deviation);
            }
            case "completeness" -> new Check.Completeness(f.column("column"), f.optionalShare("max_null_share").orElse(0.0));
            case "uniqueness" -> new Check.Uniqueness(f.columns("columns"));
            case "range" -> {
                Optional<Double> min = f.optionalNumber("min", -Double.MAX_VALUE, Double.MAX_VALUE, "a number");
                Optional<Double> max = f.optionalNumber("max", -Double.MAX_VALUE, Double.MAX_VALUE, "a number");
                f.atLeastOne("min", "max");
                if (min.isPresent() && max.isPresent() && min.get() > max.get()) {
                    throw new InvalidInputException(at + ": min " + min.get() + " is above max " + max.get());
                }
                yield new Check.Range(f.column("column"), min, max, f.optionalShare("max_share").orElse(0.0));
            }
            case "in_set" -> new Check.InSet(f.column("column"), f.values("values"), f.optionalShare("max_share").orElse(0.0));
            case "pattern" -> new Check.Matches(f.column("column"), f.regex("regex"), f.optionalShare("max_share").orElse(0.0));
            case "freshness" -> new Check.Freshness(f.column("column"), f.age("max_age"));
            case "coverage" -> {
                List<String> keys = f.columns("columns");
                String reference = TableName.of(at + ": reference", text(at, node, "reference", null, null)).toString();
                List<String> referenceKeys = node.has("reference_columns") ? f.columns("reference_columns") : keys;
                if (referenceKeys.size() != keys.size()) {
                    throw new InvalidInputException(at + ": reference_columns " + referenceKeys + " must pair up with columns " + keys);
                }
                Optional<String> partition = node.has("reference_partition_column") ? Optional.of(f.column("reference_partition_column")) : Optional.empty();
                Optional<String> filter = node.has("filter") ? Optional.of(SafeFilter.check(at, text(at, node, "filter", null, null))) : Optional.empty();
                Optional<String> category = node.has("category_column") ? Optional.of(f.column("category_column")) : Optional.empty();
                yield new Check.Coverage(keys, reference, referenceKeys, partition, filter, category, f.optionalShare("max_missing_share").orElse(0.0));
            }
            default -> throw new IllegalStateException(kind);
        };
        return new Check(name, severity, rule);
    }

    private static void unknownKeys(String where, JsonNode node, Set<String> allowed, String hint) {
        for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!allowed.contains(key)) {
                throw new InvalidInputException(where + ": key '" + key + "' is unknown; " + hint);
            }
        }
    }

    /** A required text field, matching the pattern when one is given. */
    private static String text(String where, JsonNode node, String key, Pattern pattern, String allowed) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            throw new InvalidInputException(where + ": '" + key + "' is missing");
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw new InvalidInputException(where + ": " + key + " " + shown(value) + " is not allowed; use a non-empty text");
        }
        if (pattern != null && !pattern.matcher(value.asText()).matches()) {
            throw new InvalidInputException(where + ": " + key + " " + shown(value) + " is not allowed; use " + allowed);
        }
        return value.asText();
    }

    private static String shown(JsonNode value) {
        String text = value.toString();
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    /** The kind-specific fields of one check. */
    private record Fields(String at, JsonNode node) {

        String column(String key) {
            String column = text(at, node, key, null, null);
            if (!TableName.isIdentifier(column)) {
                throw new InvalidInputException(at + ": " + key + " " + shown(node.get(key)) + " is not allowed; use a column name (" + TableName.IDENTIFIER_RULE + ")");
            }
            return column;
        }

        List<String> columns(String key) {
            JsonNode value = node.get(key);
            if (value == null || value.isNull()) {
                throw new InvalidInputException(at + ": '" + key + "' is missing");
            }
            if (value.isTextual()) {
                return List.of(column(key));
            }
            if (!value.isArray() || value.isEmpty()) {
                throw new InvalidInputException(at + ": " + key + " " + shown(value) + " is not allowed; use a column name or a non-empty list of them");
            }
            List<String> columns = new ArrayList<>();
            for (JsonNode element : value) {
                if (!element.isTextual() || !TableName.isIdentifier(element.asText())) {
                    throw new InvalidInputException(at + ": " + key + " element " + shown(element) + " is not a column name (letters, digits, '_')");
                }
                if (columns.stream().anyMatch(element.asText()::equalsIgnoreCase)) {
                    throw new InvalidInputException(at + ": " + key + " names column '" + element.asText() + "' twice");
                }
                columns.add(element.asText());
            }
            return List.copyOf(columns);
        }

        Optional<Long> optionalCount(String key) {
            JsonNode value = node.get(key);
            if (value == null) {
                return Optional.empty();
            }
            if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0) {
                throw new InvalidInputException(at + ": " + key + " " + shown(value) + " is not allowed; use a whole number of at least 0");
            }
            return Optional.of(value.asLong());
        }

        Optional<Double> optionalShare(String key) {
            return optionalNumber(key, 0, 1, "a share from 0 to 1, e.g. 0.05 for 5%");
        }

        Optional<Double> optionalNumber(String key, double low, double high, String allowed) {
            JsonNode value = node.get(key);
            if (value == null) {
                return Optional.empty();
            }
            if (!value.isNumber() || !Double.isFinite(value.asDouble()) || value.asDouble() < low || value.asDouble() > high) {
                throw new InvalidInputException(at + ": " + key + " " + shown(value) + " is not allowed; use " + allowed);
            }
            return Optional.of(value.asDouble());
        }

        void atLeastOne(String... keys) {
            if (java.util.Arrays.stream(keys).noneMatch(node::has)) {
                String last = keys[keys.length - 1];
                String others = String.join(", ", java.util.Arrays.asList(keys).subList(0, keys.length - 1));
                throw new InvalidInputException(at + ": give " + others + (keys.length == 2 ? ", " + last + " or both" : " or " + last + " (or several)"));
            }
        }

        RowCountBaseline.Season season(String key) {
            JsonNode value = node.get(key);
            if (value == null) {
                return RowCountBaseline.Season.NONE;
            }
            for (RowCountBaseline.Season season : RowCountBaseline.Season.values()) {
                if (value.isTextual() && value.asText().equals(season.toString())) {
                    return season;
                }
            }
            throw new InvalidInputException(at + ": " + key + " " + shown(value) + " is not allowed; use none or weekly (compare a date with the same weekday of earlier weeks)");
        }

        List<Object> values(String key) {
            JsonNode value = node.get(key);
            if (value == null || !value.isArray() || value.isEmpty()) {
                throw new InvalidInputException(at + ": " + key + " " + (value == null ? "is missing" : shown(value) + " is not allowed")
                        + "; use a non-empty list of texts or numbers");
            }
            List<Object> values = new ArrayList<>();
            for (JsonNode element : value) {
                if (element.isTextual()) {
                    values.add(element.asText());
                } else if (element.isIntegralNumber() && element.canConvertToLong()) {
                    values.add(element.asLong());
                } else if (element.isNumber()) {
                    values.add(element.decimalValue());
                } else if (element.isBoolean()) {
                    values.add(element.asBoolean());
                } else {
                    throw new InvalidInputException(at + ": " + key + " element " + shown(element)
                            + " is not allowed; use texts, numbers or booleans (nulls are completeness's business)");
                }
            }
            return List.copyOf(values);
        }

        String regex(String key) {
            String regex = text(at, node, key, null, null);
            if (regex.length() > MAX_REGEX_LENGTH) {
                throw new InvalidInputException(at + ": " + key + " is " + regex.length() + " characters long; use at most " + MAX_REGEX_LENGTH);
            }
            try {
                Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw new InvalidInputException(at + ": regex '" + regex + "' is not a valid Java regular expression: "
                        + e.getDescription() + " near index " + e.getIndex());
            }
            return regex;
        }

        Duration age(String key) {
            String text = text(at, node, key, null, null);
            Duration age;
            Matcher simple = AGE.matcher(text);
            if (simple.matches()) {
                long n = Long.parseLong(simple.group(1));
                age = switch (simple.group(2)) {
                    case "d" -> Duration.ofDays(n);
                    case "h" -> Duration.ofHours(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofSeconds(n);
                };
            } else {
                try {
                    age = Duration.parse(text);
                } catch (DateTimeParseException e) {
                    age = null;
                }
            }
            if (age == null || age.isNegative() || age.isZero()) {
                throw new InvalidInputException(at + ": " + key + " '" + text + "' is not allowed; use a positive duration such as 36h, 2d, 90m, 30s or PT36H");
            }
            return age;
        }
    }
}
