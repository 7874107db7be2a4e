package dev.kindling.checks;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One declared data-quality check: a name (unique in its file, safe as a metric segment), a severity
 * and a rule. Built only by {@link CheckFile}, which validates every field.
 */
public record Check(String name, Severity severity, Rule rule) {

    /** An error check that fails makes the run exit 3; a warning that fails is logged only. */
    public enum Severity {
        ERROR, WARNING;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a check tests. Each kind names the columns of the checked rows it needs. */
    public sealed interface Rule permits RowCount, RowCountChange, Completeness, Uniqueness, Range, InSet, Matches, Freshness, Coverage {
        String kind();

        List<String> columns();
    }

    /** The number of rows is within [min, max]; either bound may be absent. */
    public record RowCount(Optional<Long> min, Optional<Long> max) implements Rule {
        public String kind() {
            return "row_count";
        }

        public List<String> columns() {
            return List.of();
        }
    }

    /**
     * The number of rows against the counts recorded for earlier logical dates ({@link RowCountBaseline}:
     * the latest {@code history} dates, or with a weekly season the same weekday of the last
     * {@code history} weeks): its relative decrease at most maxDecrease, its increase at most
     * maxIncrease, and at most maxDeviation typical deviations from the expected count either way.
     * With fewer than minHistory comparable counts the check cannot decide and warns.
     */
    public record RowCountChange(int history, int minHistory, RowCountBaseline.Season season, Optional<Double> maxDecrease, Optional<Double> maxIncrease,
                                 Optional<Double> maxDeviation) implements Rule {
        public String kind() {
            return "row_count_change";
        }

        public List<String> columns() {
            return List.of();
        }
    }

    /** The share of rows whose column is null is at most maxNullShare. */
    public record Completeness(String column, double maxNullShare) implements Rule {
        public String kind() {
            return "completeness";
        }

        public List<String> columns() {
            return List.of(column);
        }
    }

    /** No two rows have the same values in all the columns (nulls compare equal); reports how many rows repeat a key. */
    public record Uniqueness(List<String> columns) implements Rule {
        public String kind() {
            return "uniqueness";
        }
    }

    /** The share of non-null values outside [min, max] is at most maxShare. */
    public record Range(String column, Optional<Double> min, Optional<Double> max, double maxShare) implements Rule {
        public String kind() {
            return "range";
        }

        public List<String> columns() {
            return List.of(column);
        }
    }

    /** The share of non-null values not in the set is at most maxShare. */
    public record InSet(String column, List<Object> values, double maxShare) implements Rule {
        public String kind() {
            return "in_set";
        }

        public List<String> columns() {
            return List.of(column);
        }
    }

    /** The share of non-null values (as text) that the regular expression does not match whole is at most maxShare. */
    public record Matches(String column, String regex, double maxShare) implements Rule {
        public String kind() {
            return "pattern";
        }

        public List<String> columns() {
            return List.of(column);
        }
    }

    /** The latest timestamp in the column is at most maxAge before the end of the logical date. */
    public record Freshness(String column, Duration maxAge) implements Rule {
        public String kind() {
            return "freshness";
        }

        public List<String> columns() {
            return List.of(column);
        }
    }

    /**
     * The checked rows (those the filter keeps, if any) whose key is in the reference table: the share
     * of rows whose key is missing there is at most maxMissingShare. With a category column, each
     * category's rows and missing rows are reported too. With a reference partition column, only the
     * logical date's partition of the reference table counts.
     */
    public record Coverage(List<String> keys, String reference, List<String> referenceKeys, Optional<String> referencePartitionColumn,
                           Optional<String> filter, Optional<String> categoryColumn, double maxMissingShare) implements Rule {
        public String kind() {
            return "coverage";
        }

        public List<String> columns() {
            return categoryColumn.map(c -> java.util.stream.Stream.concat(keys.stream(), java.util.stream.Stream.of(c)).toList()).orElse(keys);
        }
    }
}
