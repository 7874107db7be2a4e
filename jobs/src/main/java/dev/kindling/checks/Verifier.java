package dev.kindling.checks;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_distinct;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.struct;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;

import dev.kindling.template.InvalidInputException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Evaluates checks on rows. Every aggregate check of the rows is one expression of a single
 * {@code agg(...)} of Spark's aggregate functions, so the rows are read once whatever the number of
 * checks; each coverage check adds one join with its reference table, and change checks read the
 * history table.
 */
public final class Verifier {

    private static final String PRESENT = "_kindling_present";
    private static final String CATEGORY = "_kindling_category";

    private final SparkSession spark;
    private final LocalDate logicalDate;
    private final History history;

    public Verifier(SparkSession spark, LocalDate logicalDate, History history) {
        this.spark = spark;
        this.logicalDate = logicalDate;
        this.history = history;
    }

    /** The history this verifier reads earlier results from (and a verify run writes its own to). */
    public History history() {
        return history;
    }

    /**
     * Checks that every column, reference table and filter the checks name exists and fits, before
     * anything is evaluated or written: a mistake is an {@link InvalidInputException} (exit 2).
     */
    public void requireColumns(String table, Dataset<Row> rows, List<Check> checks) {
        for (Check check : checks) {
            String at = "check '" + check.name() + "' (" + check.rule().kind() + ")";
            for (String column : check.rule().columns()) {
                field(at, table, rows, column);
            }
            if (check.rule() instanceof Check.Range range) {
                requireType(at, table, field(at, table, rows, range.column()), "a numeric column", type -> type instanceof NumericType);
            } else if (check.rule() instanceof Check.Freshness fresh) {
                requireType(at, table, field(at, table, rows, fresh.column()), "a TIMESTAMP or DATE column",
                        type -> type instanceof TimestampType || type instanceof TimestampNTZType || type instanceof DateType);
            } else if (check.rule() instanceof Check.Coverage coverage) {
                if (!spark.catalog().tableExists(coverage.reference())) {
                    throw new InvalidInputException(at + ": reference table '" + coverage.reference() + "' does not exist");
                }
                Dataset<Row> reference = spark.table(coverage.reference());
                for (String column : coverage.referenceKeys()) {
                    field(at, coverage.reference(), reference, column);
                }
                coverage.referencePartitionColumn().ifPresent(column -> field(at, coverage.reference(), reference, column));
                coverage.filter().ifPresent(filter -> filtered(at, rows, filter));
            }
        }
    }

    private static StructField field(String at, String table, Dataset<Row> rows, String column) {
        return Arrays.stream(rows.schema().fields()).filter(f -> f.name().equalsIgnoreCase(column)).findFirst()
                .orElseThrow(() -> new InvalidInputException(at + ": column '" + column + "' is not in " + table + "; its columns are "
                        + Arrays.toString(rows.columns())));
    }

    private static void requireType(String at, String table, StructField field, String allowed, java.util.function.Predicate<DataType> fits) {
        if (!fits.test(field.dataType())) {
            throw new InvalidInputException(at + ": column '" + field.name() + "' of " + table + " is " + field.dataType().sql() + "; use " + allowed);
        }
    }

    private static Dataset<Row> filtered(String at, Dataset<Row> rows, String filter) {
        try {
            Dataset<Row> kept = rows.filter(functions.expr(filter));
            kept.schema(); // analysed now: a column the condition names and the rows lack fails here, not in the evaluation
            return kept;
        } catch (Exception e) { // Spark's ParseException and AnalysisException (checked, thrown from Scala)
            String first = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            throw new InvalidInputException(at + ": filter '" + filter + "' is not a valid condition on the checked rows: " + first);
        }
    }

    /** Evaluates the checks (validated with {@link #requireColumns} first): one result per check, in the file's order. */
    public List<CheckResult> evaluate(String table, Dataset<Row> rows, List<Check> checks) {
        requireColumns(table, rows, checks);
        Aggregates aggregates = new Aggregates();
        int rowCount = aggregates.add(count(lit(1)));
        List<Evaluation> evaluations = new ArrayList<>();
        for (Check check : checks) {
            evaluations.add(plan(table, rows, check, rowCount, aggregates));
        }
        Row values = rows.agg(aggregates.first(), aggregates.rest()).collectAsList().get(0);
        List<CheckResult> results = new ArrayList<>();
        for (Evaluation evaluation : evaluations) {
            results.add(evaluation.result(values));
        }
        return List.copyOf(results);
    }

    /** The aggregate columns of the one pass, each named by its position. */
    private static final class Aggregates {
        private final List<Column> columns = new ArrayList<>();

        int add(Column aggregate) {
            columns.add(aggregate.as("a" + columns.size()));
            return columns.size() - 1;
        }

        Column first() {
            return columns.get(0);
        }

        Column[] rest() {
            return columns.subList(1, columns.size()).toArray(Column[]::new);
        }
    }

    /** How a check reads its result from the aggregated row. */
    private interface Evaluation {
        CheckResult result(Row values);
    }

    private Evaluation plan(String table, Dataset<Row> checked, Check check, int rows, Aggregates aggregates) {
        Check.Rule any = check.rule();
        if (any instanceof Check.RowCount rule) {
            return values -> {
                long n = values.getLong(rows);
                boolean ok = rule.min().map(min -> n >= min).orElse(true) && rule.max().map(max -> n <= max).orElse(true);
                return CheckResult.decided(check, ok, (double) n, n + " rows (allowed " + bounds(rule.min(), rule.max()) + ")", Map.of("rows", n));
            };
        }
        if (any instanceof Check.RowCountChange rule) {
            return values -> change(table, check, rule, values.getLong(rows));
        }
        if (any instanceof Check.Completeness rule) {
            int nulls = aggregates.add(count_if(col(rule.column()).isNull()));
            return values -> {
                long n = values.getLong(rows);
                long missing = values.getLong(nulls);
                double share = n == 0 ? 0 : (double) missing / n;
                return CheckResult.decided(check, share <= rule.maxNullShare(), share,
                        String.format(Locale.ROOT, "%d of %d rows have no %s (%s, allowed at most %s)", missing, n, rule.column(), percent(share),
                                percent(rule.maxNullShare())),
                        Map.of("rows", n, "nulls", missing));
            };
        }
        if (any instanceof Check.Uniqueness rule) {
            int distinct = aggregates.add(count_distinct(struct(rule.columns().stream().map(c -> col(c)).toArray(Column[]::new))));
            return values -> {
                long n = values.getLong(rows);
                long duplicates = n - values.getLong(distinct);
                return CheckResult.decided(check, duplicates == 0, (double) duplicates,
                        duplicates + " of " + n + " rows repeat the key (" + String.join(", ", rule.columns()) + ") of another row",
                        Map.of("rows", n, "duplicates", duplicates));
            };
        }
        if (any instanceof Check.Range rule) {
            Column value = col(rule.column());
            Column outside = lit(false);
            if (rule.min().isPresent()) {
                outside = outside.or(value.lt(lit(rule.min().get())));
            }
            if (rule.max().isPresent()) {
                outside = outside.or(value.gt(lit(rule.max().get())));
            }
            return share(check, rule.column(), value.isNotNull().and(outside), rule.maxShare(), "outside " + bounds(rule.min(), rule.max()), aggregates);
        }
        if (any instanceof Check.InSet rule) {
            Column value = col(rule.column());
            return share(check, rule.column(), value.isNotNull().and(functions.not(value.isin(rule.values().toArray()))), rule.maxShare(),
                    "not in " + rule.values(), aggregates);
        }
        if (any instanceof Check.Matches rule) {
            Column value = col(rule.column()).cast("string");
            return share(check, rule.column(), value.isNotNull().and(functions.not(value.rlike("^(?:" + rule.regex() + ")$"))), rule.maxShare(),
                    "not matching " + rule.regex(), aggregates);
        }
        if (any instanceof Check.Freshness rule) {
            int latest = aggregates.add(max(col(rule.column()).cast("timestamp")));
                return values -> freshness(check, rule, values.get(latest));
        }
        Check.Coverage rule = (Check.Coverage) any;
        return values -> coverage(checked, check, rule);
    }

    /** The share of non-null values for which {@code bad} holds, at most maxShare. */
    private static Evaluation share(Check check, String column, Column bad, double maxShare, String what, Aggregates aggregates) {
        int nonNull = aggregates.add(count(col(column)));
        int failing = aggregates.add(count_if(bad));
        return values -> {
            long n = values.getLong(nonNull);
            long outside = values.getLong(failing);
            double share = n == 0 ? 0 : (double) outside / n;
            return CheckResult.decided(check, share <= maxShare, share,
                    String.format(Locale.ROOT, "%d of %d non-null values of %s are %s (%s, allowed at most %s)", outside, n, column, what, percent(share),
                            percent(maxShare)),
                    Map.of("non_null", n, "failing", outside));
        };
    }

    private CheckResult change(String table, Check check, Check.RowCountChange rule, long n) {
        boolean weekly = rule.season() == RowCountBaseline.Season.WEEKLY;
        NavigableMap<LocalDate, Double> earlier = history.earlierValues(table, check.name(), logicalDate,
                weekly ? Optional.of(logicalDate.minusWeeks(RowCountBaseline.LOOKBACK * rule.history())) : Optional.empty(),
                RowCountBaseline.LOOKBACK * rule.history());
        Optional<RowCountBaseline> found = RowCountBaseline.of(rule.season(), earlier, logicalDate, rule.history(), rule.minHistory());
        long comparable = RowCountBaseline.points(rule.season(), earlier, logicalDate, rule.history());
        Map<String, Long> counts = Map.of("rows", n, "history_points", comparable);
        if (found.isEmpty()) {
            return new CheckResult(check, CheckResult.Status.WARN, (double) n, "not enough history: " + comparable + " earlier counts"
                    + (weekly ? " of the same weekday" : "") + " in " + history.table() + ", at least " + rule.minHistory() + " needed; " + n + " rows recorded", counts);
        }
        RowCountBaseline baseline = found.get();
        double change = baseline.change(n);
        double deviations = baseline.deviations(n);
        boolean ok = rule.maxDecrease().map(d -> change >= -d).orElse(true) && rule.maxIncrease().map(i -> change <= i).orElse(true)
                && rule.maxDeviation().map(most -> Math.abs(deviations) <= most).orElse(true);
        StringBuilder message = new StringBuilder(String.format(Locale.ROOT, "%d rows, %s%s against the median %s of %s", n, change >= 0 ? "+" : "",
                Double.isInfinite(change) ? "inf%" : percent(change), plain(baseline.expected()), baseline.basis()));
        if (rule.maxDecrease().isPresent() || rule.maxIncrease().isPresent()) {
            message.append(" (allowed ").append(rule.maxDecrease().map(d -> "-" + percent(d)).orElse("any decrease")).append(" to ")
                    .append(rule.maxIncrease().map(i -> "+" + percent(i)).orElse("any increase")).append(")");
        }
        rule.maxDeviation().ifPresent(most -> message.append(String.format(Locale.ROOT,
                "; %.1f typical deviations (one is about %s), allowed %s", deviations, percent(Math.expm1(baseline.typicalDeviation())), plain(most))));
        return CheckResult.decided(check, ok, (double) n, message.toString(), counts);
    }

    private CheckResult freshness(Check check, Check.Freshness rule, Object latest) {
        ZoneId zone = ZoneId.of(spark.conf().get("spark.sql.session.timeZone"));
        Instant end = logicalDate.plusDays(1).atStartOfDay(zone).toInstant();
        if (latest == null) {
            return CheckResult.decided(check, false, null, "no " + rule.column() + " to tell the latest time by (no rows, or all null)", Map.of());
        }
        Instant at;
        if (latest instanceof java.sql.Timestamp timestamp) {
            at = timestamp.toInstant();
        } else if (latest instanceof Instant instant) {
            at = instant;
        } else if (latest instanceof LocalDateTime local) {
            at = local.atZone(zone).toInstant();
        } else {
            throw new IllegalStateException("Spark returned " + latest.getClass() + " for the latest " + rule.column());
        }
        long age = Duration.between(at, end).toSeconds();
        return CheckResult.decided(check, age <= rule.maxAge().toSeconds(), (double) age,
                "the latest " + rule.column() + " is " + at + ", " + age + " s before the end of " + logicalDate + " (" + zone + "), allowed at most "
                        + rule.maxAge().toSeconds() + " s",
                Map.of("age_seconds", age));
    }

    /** One join: the checked rows (filtered) left-joined with the reference's distinct keys, counted by category. */
    private CheckResult coverage(Dataset<Row> rows, Check check, Check.Coverage rule) {
        Dataset<Row> left = rule.filter().map(f -> filtered("check '" + check.name() + "'", rows, f)).orElse(rows);
        Dataset<Row> reference = spark.table(rule.reference());
        if (rule.referencePartitionColumn().isPresent()) {
            reference = reference.where(col(rule.referencePartitionColumn().get()).equalTo(lit(logicalDate.toString())));
        }
        List<Column> keys = new ArrayList<>();
        for (int i = 0; i < rule.referenceKeys().size(); i++) {
            keys.add(reference.col(rule.referenceKeys().get(i)).as("_kindling_key_" + i));
        }
        Dataset<Row> present = reference.select(keys.toArray(Column[]::new)).distinct().withColumn(PRESENT, lit(true));
        Column on = lit(true);
        for (int i = 0; i < rule.keys().size(); i++) {
            on = on.and(left.col(rule.keys().get(i)).equalTo(present.col("_kindling_key_" + i)));
        }
        Dataset<Row> joined = left.join(present, on, "left_outer");
        List<Row> groups = (rule.categoryColumn().isPresent()
                ? joined.groupBy(col(rule.categoryColumn().get()).cast("string").as(CATEGORY))
                : joined.groupBy())
                .agg(count(lit(1)), count_if(col(PRESENT).isNull()))
                .collectAsList();
        long n = 0;
        long missing = 0;
        Map<String, Long> counts = new LinkedHashMap<>();
        List<String> perCategory = new ArrayList<>();
        for (Row group : groups.stream().sorted(java.util.Comparator.comparing(r -> rule.categoryColumn().isPresent() ? String.valueOf(r.get(0)) : "")).toList()) {
            int offset = rule.categoryColumn().isPresent() ? 1 : 0;
            long groupRows = group.getLong(offset);
            long groupMissing = group.getLong(offset + 1);
            n += groupRows;
            missing += groupMissing;
            if (offset == 1) {
                String category = group.isNullAt(0) ? "null" : group.getString(0);
                counts.put("category." + category + ".rows", groupRows);
                counts.put("category." + category + ".missing", groupMissing);
                perCategory.add(category + " " + (groupRows - groupMissing) + "/" + groupRows);
            }
        }
        counts.put("rows", n);
        counts.put("missing", missing);
        double share = n == 0 ? 0 : (double) missing / n;
        return CheckResult.decided(check, share <= rule.maxMissingShare(), share,
                String.format(Locale.ROOT, "%d of %d rows%s have no (%s) in %s (%s missing, allowed at most %s)%s", missing, n,
                        rule.filter().map(f -> " where " + f).orElse(""), String.join(", ", rule.referenceKeys()), rule.reference(), percent(share),
                        percent(rule.maxMissingShare()), perCategory.isEmpty() ? "" : "; covered by category: " + String.join(", ", perCategory)),
                counts);
    }

    private static String bounds(Optional<? extends Number> min, Optional<? extends Number> max) {
        return "[" + min.map(Verifier::plain).orElse("-inf") + ", " + max.map(Verifier::plain).orElse("+inf") + "]";
    }

    private static String plain(Number number) {
        double d = number.doubleValue();
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }

    private static String percent(double share) {
        return new java.math.BigDecimal(share * 100).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString() + "%";
    }
}
