package dev.kindling.checks;

import java.time.LocalDate;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a date's row count is compared with, from the counts a check recorded for earlier dates: the
 * expected count, and how far counts typically stray from what was expected of them.
 *
 * <p>Without a season, the expected count is the median of the latest {@code history} recorded counts.
 * With a weekly season it is the median of the same weekday's counts in the last {@code history} weeks,
 * so a Saturday is compared with Saturdays.
 *
 * <p>The typical deviation is measured the way a count is judged, on the counts of the last
 * {@value #BAND_WINDOW} × {@code history} weeks (or dates): each of them against the expected count of
 * its own date (that needs two comparable counts before it), on the logarithm of the counts (a change is
 * a ratio: a weekend at 30% of a weekday varies in proportion, and slow growth is part of what is
 * typical). It is the median of those distances scaled by 1.4826, so that it estimates one standard
 * deviation of normal noise while a few past outliers move it little, and never below
 * {@value #MIN_TYPICAL_DEVIATION}.
 */
public record RowCountBaseline(double expected, int points, double typicalDeviation, String basis) {

    /** The narrowest typical deviation (about 1%): a history of identical counts would otherwise make any change infinitely unusual. */
    public static final double MIN_TYPICAL_DEVIATION = 0.01;
    /** How many times {@code history} the typical deviation is measured over (with 4 weeks, 12 weeks: about 70 judgements of the past). */
    public static final int BAND_WINDOW = 3;
    /** How far back the counts a baseline needs reach, in units of {@code history} weeks or dates. */
    public static final int LOOKBACK = BAND_WINDOW + 1;
    private static final double MAD_TO_SIGMA = 1.4826;

    /** The season of a count: none, or the day of the week. */
    public enum Season {
        NONE, WEEKLY;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The baseline for {@code date}, or empty when fewer than {@code minHistory} comparable counts are
     * recorded (the check cannot decide then).
     *
     * @param earlier the counts recorded for dates before {@code date}: for a weekly season at least
     *                those of the last {@value #LOOKBACK} × {@code history} weeks, otherwise at least the
     *                latest {@value #LOOKBACK} × {@code history}
     */
    public static Optional<RowCountBaseline> of(Season season, NavigableMap<LocalDate, Double> earlier, LocalDate date, int history, int minHistory) {
        NavigableMap<LocalDate, Double> before = earlier.headMap(date, false);
        List<Double> comparable = comparable(season, before, date, history);
        if (comparable.size() < Math.max(1, minHistory)) {
            return Optional.empty();
        }
        List<Double> distances = new ArrayList<>();
        for (Map.Entry<LocalDate, Double> judged : window(season, before, date, BAND_WINDOW * history).entrySet()) {
            List<Double> its = comparable(season, before, judged.getKey(), history);
            if (its.size() >= 2) {
                distances.add(Math.abs(Math.log1p(judged.getValue()) - Math.log1p(median(its))));
            }
        }
        double typical = distances.isEmpty() ? MIN_TYPICAL_DEVIATION : Math.max(MIN_TYPICAL_DEVIATION, MAD_TO_SIGMA * median(distances));
        String basis = season == Season.WEEKLY
                ? "the last " + comparable.size() + " " + date.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + "s"
                : "the last " + comparable.size() + " dates";
        return Optional.of(new RowCountBaseline(median(comparable), comparable.size(), typical, basis));
    }

    /** How many recorded counts {@code date} would be compared with (fewer than min_history: no baseline). */
    public static int points(Season season, NavigableMap<LocalDate, Double> earlier, LocalDate date, int history) {
        return comparable(season, earlier.headMap(date, false), date, history).size();
    }

    /** The counts {@code date} is compared with: its weekday's in the last {@code history} weeks, or the latest {@code history}. */
    private static List<Double> comparable(Season season, NavigableMap<LocalDate, Double> all, LocalDate date, int history) {
        NavigableMap<LocalDate, Double> window = window(season, all.headMap(date, false), date, history);
        return season == Season.WEEKLY
                ? window.entrySet().stream().filter(e -> e.getKey().getDayOfWeek() == date.getDayOfWeek()).map(Map.Entry::getValue).toList()
                : List.copyOf(window.values());
    }

    /** The counts before {@code date} of the last {@code size} weeks, or the latest {@code size} counts. */
    private static NavigableMap<LocalDate, Double> window(Season season, NavigableMap<LocalDate, Double> before, LocalDate date, int size) {
        if (season == Season.WEEKLY) {
            return before.tailMap(date.minusWeeks(size), true);
        }
        NavigableMap<LocalDate, Double> latest = new TreeMap<>();
        for (Map.Entry<LocalDate, Double> entry : before.descendingMap().entrySet()) {
            if (latest.size() == size) {
                break;
            }
            latest.put(entry.getKey(), entry.getValue());
        }
        return latest;
    }

    /** The relative change of {@code rows} from the expected count ({@code +inf} when nothing was expected and rows came). */
    public double change(long rows) {
        return expected == 0 ? (rows == 0 ? 0 : Double.POSITIVE_INFINITY) : (rows - expected) / expected;
    }

    /** How many typical deviations {@code rows} lies from the expected count (negative below it). */
    public double deviations(long rows) {
        return (Math.log1p(rows) - Math.log1p(expected)) / typicalDeviation;
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int mid = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2;
    }
}
