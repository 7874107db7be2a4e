package dev.kindling.dsl;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * A range of days, both ends included, of at most {@value #MAX_DAYS} days (about a century) between
 * 0001-01-01 and 9999-12-31, the dates Spark and the metastore hold. Build it with
 * {@link Audiences#between(String, String)} or {@link Audiences#lastDays(int)}.
 */
public record Period(LocalDate from, LocalDate to) {

    /** The longest period, in days: a century and then some, more than any marketplace's history. */
    public static final int MAX_DAYS = 36_600;

    private static final LocalDate FIRST_DAY = LocalDate.of(1, 1, 1);
    private static final LocalDate LAST_DAY = LocalDate.of(9999, 12, 31);

    public Period {
        if (from == null || to == null) {
            throw new AudienceException("between: both 'from' and 'to' are needed, e.g. between(\"2017-01-01\", \"2017-01-20\")");
        }
        requireInRange("from", from);
        requireInRange("to", to);
        if (from.isAfter(to)) {
            throw new AudienceException("between: 'from' " + from + " is after 'to' " + to + "; the first date must be on or before the second");
        }
        long days = ChronoUnit.DAYS.between(from, to) + 1;
        if (days > MAX_DAYS) {
            throw new AudienceException("between: from " + from + " to " + to + " is " + days + " days, but a period may be at most " + MAX_DAYS + " days");
        }
    }

    /** The {@code days} days that end on {@code last}, both included. */
    static Period lastDays(LocalDate last, int days) {
        requireDays(days);
        return new Period(last.minusDays(days - 1L), last);
    }

    /** Fails unless days can be the length of {@code lastDays(days)}; needs no date, so a definition is checked before Spark starts. */
    static void requireDays(int days) {
        if (days < 1 || days > MAX_DAYS) {
            throw new AudienceException("lastDays: 'days' is " + days + ", but it must be from 1 to " + MAX_DAYS + " (the number of days, ending today or on the run's day)");
        }
    }

    static Period parse(String from, String to) {
        return new Period(date("from", from), date("to", to));
    }

    private static void requireInRange(String parameter, LocalDate date) {
        requireInRange("between", parameter, date);
    }

    private static void requireInRange(String step, String parameter, LocalDate date) {
        if (date.isBefore(FIRST_DAY) || date.isAfter(LAST_DAY)) {
            throw new AudienceException(step + ": '" + parameter + "' is " + date + ", but dates must be from " + FIRST_DAY + " to " + LAST_DAY);
        }
    }

    private static LocalDate date(String parameter, String text) {
        return text == null ? null : parseDay("between", parameter, text);
    }

    /** A step's date parameter (not null), written YYYY-MM-DD, in the range of a period's days. */
    static LocalDate day(String step, String parameter, String text) {
        LocalDate day = parseDay(step, parameter, text);
        requireInRange(step, parameter, day);
        return day;
    }

    private static LocalDate parseDay(String step, String parameter, String text) {
        try {
            return LocalDate.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new AudienceException(step + ": '" + parameter + "' is \"" + text + "\", which is not a date; write it as YYYY-MM-DD, e.g. \"2017-01-20\"");
        }
    }

    @Override
    public String toString() {
        return "between " + from + " and " + to;
    }
}
