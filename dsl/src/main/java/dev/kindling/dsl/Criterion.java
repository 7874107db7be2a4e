package dev.kindling.dsl;

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

    /** At least {@code times} transactions as seller or buyer in a category or its subcategories. */
    record Activity(Role role, int times, String category, Set<Integer> categoryIds, Period period) implements Criterion {
        public Activity {
            categoryIds = Set.copyOf(categoryIds);
        }

        public boolean guaranteesConsent() {
            return false;
        }

        public String describe() {
            return role.name().toLowerCase(Locale.ROOT) + " at least " + times + (times == 1 ? " time" : " times")
                    + " in '" + category + "' (subcategories included) " + period;
        }
    }

    /** Home postal code within a great-circle distance of a postal code's centroid. */
    record LivingNear(String postalCode, double radiusKm, double latitude, double longitude) implements Criterion {
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

        public String describe() {
            return "(" + kept.describe() + ") except (" + removed.describe() + ")";
        }

        public Stream<Criterion> nodes() {
            return Stream.concat(Stream.of(this), Stream.concat(kept.nodes(), removed.nodes()));
        }
    }

    /** A leaf reads as a verb phrase after "users who"; a combination keeps its parentheses. */
    private static String describePart(Criterion criterion) {
        return criterion instanceof Or || criterion instanceof Except ? "are in (" + criterion.describe() + ")" : criterion.describe();
    }
}
