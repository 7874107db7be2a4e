package dev.kindling.dsl;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/** A range of days, both ends included. Build it with {@link Audiences#between(String, String)} or {@link Audiences#lastDays(int)}. */
public record Period(LocalDate from, LocalDate to) {

    public Period {
        if (from == null || to == null) {
            throw new AudienceException("between: both 'from' and 'to' are needed, e.g. between(\"2017-01-01\", \"2017-01-20\")");
        }
        if (from.isAfter(to)) {
            throw new AudienceException("between: 'from' " + from + " is after 'to' " + to + "; the first date must be on or before the second");
        }
    }

    /** The {@code days} days that end on {@code last}, both included. */
    static Period lastDays(LocalDate last, int days) {
        if (days < 1) {
            throw new AudienceException("lastDays: 'days' is " + days + ", but it must be at least 1 (the number of days, ending on " + last + ")");
        }
        return new Period(last.minusDays(days - 1L), last);
    }

    static Period parse(String from, String to) {
        return new Period(date("from", from), date("to", to));
    }

    private static LocalDate date(String parameter, String text) {
        if (text == null) {
            return null;
        }
        try {
            return LocalDate.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new AudienceException("between: '" + parameter + "' is \"" + text + "\", which is not a date; write it as YYYY-MM-DD, e.g. \"2017-01-20\"");
        }
    }

    @Override
    public String toString() {
        return "between " + from + " and " + to;
    }
}
