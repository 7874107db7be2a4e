package dev.kindling.dsl;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Who is in an audience, as a tree of values: the steps an analyst typed, with their inputs already
 * checked and resolved (category names to ids, postal codes to coordinates). It says nothing about
 * Spark; {@link AudiencePlan} turns it into one query.
 */
sealed interface Criterion {

    /** True when every user this criterion admits has given mailing consent, whatever the data. */
    boolean guaranteesConsent();

    /** A plain-English phrase for the analyst. */
    String describe();

    /** This criterion and everything below it. */
    default Stream<Criterion> nodes() {
        return Stream.of(this);
    }

    record Everyone() implements Criterion {
        public boolean guaranteesConsent() {
            return false;
        }

        public String describe() {
            return "all users";
        }
    }

    record MailingConsent() implements Criterion {
        public boolean guaranteesConsent() {
            return true;
        }

        public String describe() {
            return "gave permission to mailing";
        }
    }

    /** Who bought or sold in a category, counted in transactions. */
    enum Role {
        SOLD(Tables.SELLER_ID), BOUGHT(Tables.BUYER_ID);

        final String idColumn;

        Role(String idColumn) {
            this.idColumn = idColumn;
        }
    }

    /** What a {@link Tally} adds up over the transactions it covers. */
    enum Measure {
        /** how many transactions */
        COUNT,
        /** the sum of their amounts, exactly (as decimals, not floating point) */
        AMOUNT,
        /** the latest transaction date */
        LATEST_DATE
    }

    /**
     * One figure per user over the transactions where the user has the role, in the categories
     * (null: every category) on the days of the period (null: every day). Users with no such
     * transaction have no figure: a step says what that means for it. Equal tallies are computed once.
     */
    record Tally(Measure measure, Role role, Set<Integer> categoryIds, Period period) {
        public Tally {
            categoryIds = categoryIds == null ? null : Set.copyOf(categoryIds);
        }
    }

    /** A step decided by one tally of the user's transactions; transaction steps only remove users. */
    sealed interface TransactionStep extends Criterion {
        Tally tally();

        default boolean guaranteesConsent() {
            return false;
        }
    }

    /** At least {@code times} transactions as seller or buyer in a category or its subcategories. */
    record Activity(Role role, int times, String category, Set<Integer> categoryIds, Period period) implements TransactionStep {
        public Activity {
            categoryIds = Set.copyOf(categoryIds);
        }

        public boolean guaranteesConsent() {
            return false;
        }

        public Tally tally() {
            return new Tally(Measure.COUNT, role, categoryIds, period);
        }

        public String describe() {
            return role.name().toLowerCase(Locale.ROOT) + " at least " + times + (times == 1 ? " time" : " times")
                    + " in '" + category + "' (subcategories included) " + period;
        }
    }

    /** Where purchases count: a category with its subcategories, on the days of a period. */
    record Purchases(String category, Set<Integer> categoryIds, Period period) {
        public Purchases {
            categoryIds = Set.copyOf(categoryIds);
        }

        Tally tally(Measure measure) {
            return new Tally(measure, Role.BOUGHT, categoryIds, period);
        }

        String describe() {
            return "in '" + category + "' (subcategories included) " + period;
        }
    }

    /** At most {@code times} purchases (0: none); users who never bought qualify. */
    record BoughtAtMost(int times, Purchases purchases) implements TransactionStep {
        public Tally tally() {
            return purchases.tally(Measure.COUNT);
        }

        public String describe() {
            return (times == 0 ? "bought nothing " : "bought at most " + times + (times == 1 ? " time " : " times ")) + purchases.describe();
        }
    }

    /** Bought at least once, and the latest purchase (any category) is strictly before a day. */
    record LastBoughtBefore(LocalDate day) implements TransactionStep {
        public Tally tally() {
            return new Tally(Measure.LATEST_DATE, Role.BOUGHT, null, null);
        }

        public String describe() {
            return "last bought before " + day + " (and bought at least once)";
        }
    }

    /** Purchases whose amounts add up to at least {@code amount}. */
    record SpentAtLeast(BigDecimal amount, Purchases purchases) implements TransactionStep {
        public Tally tally() {
            return purchases.tally(Measure.AMOUNT);
        }

        public String describe() {
            return "spent at least " + amount.stripTrailingZeros().toPlainString() + " " + purchases.describe();
        }
    }

    /**
     * Home postal code within a great-circle distance of a postal code's centroid: resolved when the
     * step is given to the postal codes whose centroids are that near, so the query needs no join.
     */
    record LivingNear(String postalCode, double radiusKm, Set<String> nearbyCodes) implements Criterion {
        public LivingNear {
            nearbyCodes = Set.copyOf(nearbyCodes);
        }

        public boolean guaranteesConsent() {
            return false;
        }

        public String describe() {
            return "live within " + Audience.number(radiusKm) + " km of " + postalCode;
        }
    }

    record Registered(Period period) implements Criterion {
        public boolean guaranteesConsent() {
            return false;
        }

        public String describe() {
            return "registered " + period;
        }
    }

    /** No row in the mailing history from {@code from} to {@code to}: the {@code days} days before the marketplace's day. */
    record NotMailed(int days, LocalDate from, LocalDate to) implements Criterion {
        public boolean guaranteesConsent() {
            return false;
        }

        public String describe() {
            return "were not mailed in the " + days + (days == 1 ? " day" : " days") + " before " + to.plusDays(1) + " (" + from + " to " + to + ")";
        }
    }

    record And(Criterion left, Criterion right) implements Criterion {
        // One consenting side is enough: the other side can only remove users.
        public boolean guaranteesConsent() {
            return left.guaranteesConsent() || right.guaranteesConsent();
        }

        public String describe() {
            List<String> phrases = conjuncts().filter(c -> !(c instanceof Everyone)).map(Criterion::describePart).toList();
            return phrases.isEmpty() ? new Everyone().describe() : "users who " + String.join(", and ", phrases);
        }

        Stream<Criterion> conjuncts() {
            return Stream.of(left, right).flatMap(c -> c instanceof And and ? and.conjuncts() : Stream.of(c));
        }

        public Stream<Criterion> nodes() {
            return Stream.concat(Stream.of(this), Stream.concat(left.nodes(), right.nodes()));
        }
    }

    record Or(Criterion left, Criterion right) implements Criterion {
        // Each branch brings its own users, so each must guarantee consent.
        public boolean guaranteesConsent() {
            return left.guaranteesConsent() && right.guaranteesConsent();
        }

        public String describe() {
            return "(" + left.describe() + ") or (" + right.describe() + ")";
        }

        public Stream<Criterion> nodes() {
            return Stream.concat(Stream.of(this), Stream.concat(left.nodes(), right.nodes()));
        }
    }

    record Except(Criterion kept, Criterion removed) implements Criterion {
        // Removing users never adds any: only the kept side matters.
        public boolean guaranteesConsent() {
            return kept.guaranteesConsent();
        }

        // except and excluding build this one; it reads as the suppression analysts ask for
        public String describe() {
            return grouped(kept) + ", excluding " + grouped(removed);
        }

        public Stream<Criterion> nodes() {
            return Stream.concat(Stream.of(this), Stream.concat(kept.nodes(), removed.nodes()));
        }
    }

    /** A combination in parentheses, so that what "excluding" applies to is unambiguous. */
    private static String grouped(Criterion criterion) {
        return criterion instanceof Or || criterion instanceof Except ? "(" + criterion.describe() + ")" : criterion.describe();
    }

    /** A leaf reads as a verb phrase after "users who"; a combination keeps its parentheses. */
    private static String describePart(Criterion criterion) {
        return criterion instanceof Or || criterion instanceof Except ? "are in (" + criterion.describe() + ")" : criterion.describe();
    }
}
