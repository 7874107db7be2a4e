package dev.kindling.dsl;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How an audience's users split along one dimension: one row (key, users) per key, most users
 * first, then by key. Made by {@link Audience#by(String)} with one Spark query; a plain value
 * afterwards (nothing is read again).
 * <ul>
 * <li>{@code "city"}: the city of the user's postal code (postal codes table); a user whose postal code
 *     is not in that table, or has no city, counts under {@value #UNKNOWN}. Each user counts once, so the
 *     users add up to {@link Audience#count()}.</li>
 * <li>{@code "category"}: the top-level categories (a category with its subcategories) in which the user
 *     bought or sold, counted over the days of the audience's activity steps (soldAtLeast, boughtAtLeast;
 *     the union of their periods, whichever categories the steps name), or over all transactions when the
 *     audience has no activity step. A user with no such transaction counts under {@value #NONE}, one in
 *     a category missing from the categories table under {@value #UNKNOWN}. A user counts once in each
 *     of their categories, so the users may add up to more than {@link Audience#count()}.</li>
 * </ul>
 */
public final class Breakdown {

    /** The key of users whose city or category is not in the marketplace's tables. */
    public static final String UNKNOWN = "(unknown)";
    /** The key of users without a transaction in the counted days (dimension category). */
    public static final String NONE = "(none)";

    private static final int BAR_WIDTH = 40;

    /** The dimensions an audience can be broken down by. */
    enum Dimension {
        CITY, CATEGORY;

        String text() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Dimension of(String step, String dimension) {
            for (Dimension known : values()) {
                if (known.text().equals(dimension)) {
                    return known;
                }
            }
            String allowed = String.join(" or ", Arrays.stream(values()).map(known -> "\"" + known.text() + "\"").toList());
            throw new AudienceException(step + ": 'dimension' " + (dimension == null ? "is missing" : "\"" + dimension + "\" is not a dimension")
                    + "; give " + allowed);
        }
    }

    /** One key and how many of the audience's users it has. */
    public record Entry(String key, long users) {
        public Entry {
            Objects.requireNonNull(key, "key");
            if (users < 1) {
                throw new IllegalArgumentException("a breakdown's entry has at least 1 user: " + key + " has " + users);
            }
        }
    }

    private final String audience;
    private final String dimension;
    private final List<Entry> entries;

    /** A breakdown of the audience described as {@code audience} by {@code dimension} (city or category). */
    public Breakdown(String audience, String dimension, List<Entry> entries) {
        this.audience = Objects.requireNonNull(audience, "audience");
        this.dimension = Dimension.of("Breakdown", dimension).text();
        this.entries = List.copyOf(entries);
    }

    /** The audience, in plain English. */
    public String audience() {
        return audience;
    }

    /** "city" or "category". */
    public String dimension() {
        return dimension;
    }

    /** The rows, most users first, then by key. */
    public List<Entry> entries() {
        return entries;
    }

    /** The users under key, 0 when it has none. */
    public long users(String key) {
        return entries.stream().filter(entry -> entry.key().equals(key)).mapToLong(Entry::users).findFirst().orElse(0);
    }

    /** The largest number of users of a key (0 for an empty audience): bars are drawn relative to it. */
    public long largest() {
        return entries.stream().mapToLong(Entry::users).max().orElse(0);
    }

    /** What the users add up to: the audience's size for city; for category it may be more. */
    public String note() {
        return dimension.equals(Dimension.CITY.text()) ? "each user counts once"
                : "a user counts once in each top-level category they bought or sold in, so the users may add up to more than count()";
    }

    /** A plain-text table with a bar per row, for the shell. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(audience).append(", by ").append(dimension).append(" (").append(note()).append(")\n");
        if (entries.isEmpty()) {
            return text.append("no users\n").toString();
        }
        int keyWidth = Math.max(dimension.length(), entries.stream().mapToInt(entry -> entry.key().length()).max().orElse(0));
        int usersWidth = Math.max("users".length(), Long.toString(largest()).length());
        text.append(pad(dimension, keyWidth)).append("  ").append(" ".repeat(usersWidth - "users".length())).append("users\n");
        for (Entry entry : entries) {
            String users = Long.toString(entry.users());
            text.append(pad(entry.key(), keyWidth)).append("  ").append(" ".repeat(usersWidth - users.length())).append(users)
                    .append("  ").append("#".repeat(barLength(entry.users(), BAR_WIDTH))).append('\n');
        }
        return text.toString();
    }

    /** A bar's length out of width for this many users: proportional to the largest, at least 1. */
    public int barLength(long users, int width) {
        return users <= 0 ? 0 : (int) Math.max(1, Math.round((double) users * width / largest()));
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(width - text.length());
    }
}
