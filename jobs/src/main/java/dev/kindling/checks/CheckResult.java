package dev.kindling.checks;

import java.util.Locale;
import java.util.Map;

/**
 * What one check found: its status, its value (the number the history keeps: a count, a share or an
 * age in seconds; null when there was nothing to measure), a one-line message, and the exact counts
 * behind it, reported as metrics under {@code checks.<name>.<count>}.
 */
public record CheckResult(Check check, Status status, Double value, String message, Map<String, Long> counts) {

    /** pass; warn: a warning check failed, or the check could not decide; fail: an error check failed. */
    public enum Status {
        PASS, WARN, FAIL;

        /** The metric value: 0 pass, 1 warn, 2 fail. */
        public long level() {
            return ordinal();
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public CheckResult {
        counts = Map.copyOf(counts);
    }

    /** pass when ok; otherwise fail for an error check and warn for a warning. */
    static CheckResult decided(Check check, boolean ok, Double value, String message, Map<String, Long> counts) {
        Status status = ok ? Status.PASS : check.severity() == Check.Severity.ERROR ? Status.FAIL : Status.WARN;
        return new CheckResult(check, status, value, message, counts);
    }

    /** The log line of this result. */
    public String line(String table) {
        return "check " + check.name() + " (" + check.rule().kind() + ", " + check.severity() + ") on " + table + ": " + status + ": " + message;
    }
}
