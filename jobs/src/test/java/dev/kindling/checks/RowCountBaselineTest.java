package dev.kindling.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

import dev.kindling.checks.RowCountBaseline.Season;
import org.junit.jupiter.api.Test;

/**
 * Daily counts with a weekly season (Saturdays 35% and Sundays 25% of a weekday), slow growth (0.2% a
 * day) and noise (4% standard deviation, multiplicative), generated for 20 seeds over 16 weeks: what
 * a weekly baseline of 4 weeks with a band of 6 typical deviations decides about every day of the last
 * four weeks. (Over 200 seeds the largest normal day measured 4.5 typical deviations and the smallest
 * drop to a third 13.2.)
 */
class RowCountBaselineTest {

    private static final LocalDate START = LocalDate.parse("2024-01-01"); // a Monday
    private static final int DAYS = 16 * 7;
    private static final double BAND = 6;

    /** One generated history: date to count. */
    private static NavigableMap<LocalDate, Double> counts(long seed) {
        Random noise = new Random(seed);
        NavigableMap<LocalDate, Double> counts = new TreeMap<>();
        for (int day = 0; day < DAYS; day++) {
            LocalDate date = START.plusDays(day);
            counts.put(date, (double) Math.round(expected(date) * Math.exp(0.04 * noise.nextGaussian())));
        }
        return counts;
    }

    private static double expected(LocalDate date) {
        double season = switch (date.getDayOfWeek()) {
            case SATURDAY -> 0.35;
            case SUNDAY -> 0.25;
            default -> 1.0;
        };
        return 10_000 * season * Math.pow(1.002, START.until(date).getDays());
    }

    private static boolean alarms(NavigableMap<LocalDate, Double> history, LocalDate date, long rows) {
        RowCountBaseline baseline = RowCountBaseline.of(Season.WEEKLY, history, date, 4, 3).orElseThrow();
        return Math.abs(baseline.deviations(rows)) > BAND;
    }

    private static List<LocalDate> lastFourWeeks() {
        List<LocalDate> dates = new ArrayList<>();
        for (int day = DAYS - 28; day < DAYS; day++) {
            dates.add(START.plusDays(day));
        }
        return dates;
    }

    @Test
    void aNormalDayNeverAlarmsAndWeekendsAreComparedWithWeekends() {
        for (long seed = 1; seed <= 20; seed++) {
            NavigableMap<LocalDate, Double> counts = counts(seed);
            for (LocalDate date : lastFourWeeks()) {
                long rows = counts.get(date).longValue();
                assertThat(alarms(counts, date, rows)).as("seed %d, %s (%s) with %d rows", seed, date, date.getDayOfWeek(), rows).isFalse();
            }
        }
    }

    @Test
    void aWeekdayAtAThirdOfItsUsualCountAlwaysAlarmsAndTheNormalDayAfterItPasses() {
        for (long seed = 1; seed <= 20; seed++) {
            NavigableMap<LocalDate, Double> counts = counts(seed);
            for (LocalDate date : lastFourWeeks()) {
                if (date.getDayOfWeek() == DayOfWeek.SATURDAY || date.getDayOfWeek() == DayOfWeek.SUNDAY) {
                    continue;
                }
                long third = Math.round(counts.get(date) / 3);
                assertThat(alarms(counts, date, third)).as("seed %d, %s at a third: %d rows", seed, date, third).isTrue();
                // the drop is recorded in the history; the next day is judged by its own weekday and passes
                NavigableMap<LocalDate, Double> withDrop = new TreeMap<>(counts);
                withDrop.put(date, (double) third);
                LocalDate next = date.plusDays(1);
                if (withDrop.containsKey(next)) {
                    assertThat(alarms(withDrop, next, withDrop.get(next).longValue())).as("seed %d, %s after the drop", seed, next).isFalse();
                }
            }
        }
    }

    @Test
    void withoutASeasonTheMedianOfRecentDaysAlarmsOnNormalWeekends() {
        NavigableMap<LocalDate, Double> counts = counts(1);
        LocalDate saturday = START.plusDays(DAYS - 2);
        assertThat(saturday.getDayOfWeek()).isEqualTo(DayOfWeek.SATURDAY);
        RowCountBaseline recent = RowCountBaseline.of(Season.NONE, counts, saturday, 7, 3).orElseThrow();
        // the old rule, max_decrease 0.5 against the median of the last 7 days, fails a normal Saturday
        assertThat(recent.change(counts.get(saturday).longValue())).isLessThan(-0.5);
        RowCountBaseline weekly = RowCountBaseline.of(Season.WEEKLY, counts, saturday, 4, 3).orElseThrow();
        assertThat(weekly.basis()).isEqualTo("the last 4 Saturdays");
        assertThat(Math.abs(weekly.change(counts.get(saturday).longValue()))).isLessThan(0.15);
    }

    @Test
    void theBandIsTheMedianDistanceOfEarlierCountsFromWhatWasExpectedOfThem() {
        NavigableMap<LocalDate, Double> history = new TreeMap<>();
        double[] counts = {100, 100, 110, 90, 100, 100};
        for (int day = 0; day < counts.length; day++) {
            history.put(START.plusDays(day), counts[day]);
        }
        // history 2: the last 6 counts are judged, each needing 2 counts before it: 110 against 100, 90 against
        // the median 105 of 100 and 110, 100 against 100, 100 against 95
        RowCountBaseline baseline = RowCountBaseline.of(Season.NONE, history, START.plusDays(6), 2, 2).orElseThrow();
        assertThat(baseline.expected()).isEqualTo(100.0);
        assertThat(baseline.basis()).isEqualTo("the last 2 dates");
        List<Double> distances = List.of(Math.log(111.0 / 101), Math.log(106.0 / 91), 0.0, Math.log(101.0 / 96));
        assertThat(baseline.typicalDeviation()).isCloseTo(1.4826 * RowCountBaseline.median(distances), org.assertj.core.data.Offset.offset(1e-12));
        // identical counts: the floor of 1% keeps a change of 2% at 2 typical deviations, not infinity
        NavigableMap<LocalDate, Double> flat = new TreeMap<>();
        for (int week = 0; week < 4; week++) {
            flat.put(START.plusWeeks(week), 99.0);
        }
        RowCountBaseline floor = RowCountBaseline.of(Season.WEEKLY, flat, START.plusWeeks(4), 4, 3).orElseThrow();
        assertThat(floor.typicalDeviation()).isEqualTo(RowCountBaseline.MIN_TYPICAL_DEVIATION);
        assertThat(floor.deviations(101)).isCloseTo(Math.log(102.0 / 100.0) / 0.01, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void tooFewCountsOfTheSameWeekdayCannotDecide() {
        NavigableMap<LocalDate, Double> history = new TreeMap<>();
        for (int day = 0; day < 13; day++) { // two Mondays before the third week's Monday
            history.put(START.plusDays(day), 10.0);
        }
        assertThat(RowCountBaseline.of(Season.WEEKLY, history, START.plusWeeks(2), 4, 3)).isEmpty();
        assertThat(RowCountBaseline.of(Season.WEEKLY, history, START.plusWeeks(2), 4, 2)).isPresent();
        // a weekly window reaches back history weeks only: a Monday five weeks back does not count
        history.put(START.minusWeeks(3), 10.0);
        assertThat(RowCountBaseline.of(Season.WEEKLY, history, START.plusWeeks(2), 4, 3)).isEmpty();
    }
}
