package dev.kindling.template;

/** Range checks of numeric job options, each failure one line naming the option, the value and what is allowed (exit 2). */
public final class OptionRanges {

    private OptionRanges() {
    }

    public static void requireWholeNumber(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new InvalidInputException(option + " " + value + " is out of range: use a whole number from " + min + " to " + max);
        }
    }

    /** Also refuses NaN. */
    public static void requireNumber(String option, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new InvalidInputException(option + " " + value + " is out of range: use a number from " + min + " to " + max);
        }
    }
}
