package dev.kindling.dsl;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import dev.kindling.dsl.Criterion.Activity;
import dev.kindling.dsl.Criterion.And;
import dev.kindling.dsl.Criterion.BoughtAtMost;
import dev.kindling.dsl.Criterion.Except;
import dev.kindling.dsl.Criterion.LastBoughtBefore;
import dev.kindling.dsl.Criterion.LivingNear;
import dev.kindling.dsl.Criterion.MailingConsent;
import dev.kindling.dsl.Criterion.NotMailed;
import dev.kindling.dsl.Criterion.Or;
import dev.kindling.dsl.Criterion.Purchases;
import dev.kindling.dsl.Criterion.Registered;
import dev.kindling.dsl.Criterion.Role;
import dev.kindling.dsl.Criterion.SpentAtLeast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A group of users, described step by step. Every step checks its inputs at once and returns a new
 * audience; this one never changes. Nothing is read until a terminal step: {@link #count()},
 * {@link #by(String)}, {@link #show(int)}, {@link #toDataset()}, {@link #explain()}.
 * <p>
 * Only a {@link MailableAudience}, one whose every user agreed to mailings, can be prepared for
 * mailing. {@link #withPermissionToMailing()} returns one; the other steps keep it, and so do
 * {@code and} with any audience, {@code or} of two mailable audiences and {@code except} (or
 * {@code excluding}) from a mailable one. Any other audience has no {@code prepareForMailing}, so
 * the mistake does not compile.
 * The runtime class always agrees with {@link Criterion#guaranteesConsent()}: {@link #of} picks it.
 */
public sealed class Audience permits MailableAudience {

    private static final AtomicLong VIEWS = new AtomicLong();
    /** The largest spentAtLeast amount: far above any sum of purchases, far below what exact sums can hold. */
    static final double MAX_AMOUNT = 1e15;

    /** notMailedInLast looks back at most this many days: as far as the history keeps. */
    static final int MAX_NOT_MAILED_DAYS = Tables.MAILING_HISTORY_DAYS;

    private final Marketplace marketplace;
    private final Criterion criterion;

    Audience(Marketplace marketplace, Criterion criterion) {
        this.marketplace = marketplace;
        this.criterion = criterion;
    }

    /** The audience of criterion: a mailable one exactly when the criterion guarantees consent. */
    static Audience of(Marketplace marketplace, Criterion criterion) {
        return criterion.guaranteesConsent() ? new MailableAudience(marketplace, criterion) : new Audience(marketplace, criterion);
    }

    /** Keeps only users who agreed to receive mailings: the audience can then be prepared for mailing. */
    public MailableAudience withPermissionToMailing() {
        return (MailableAudience) with(new MailingConsent());
    }

    /** Keeps users who sold at least n times in the category (its subcategories included) in the period. */
    public Audience soldAtLeast(int n, String category, Period period) {
        return with(activity("soldAtLeast", Role.SOLD, n, category, period));
    }

    /** Keeps users who bought at least n times in the category (its subcategories included) in the period. */
    public Audience boughtAtLeast(int n, String category, Period period) {
        return with(activity("boughtAtLeast", Role.BOUGHT, n, category, period));
    }

    /**
     * Keeps users who bought nothing in the category (its subcategories included) in the period; users
     * who never bought anything are kept. What they sold does not count.
     */
    public Audience notBoughtIn(String category, Period period) {
        return with(boughtAtMost("notBoughtIn", 0, category, period));
    }

    /**
     * Keeps users who bought at most n times (0: not at all) in the category (its subcategories
     * included) in the period; users who never bought anything are kept.
     */
    public Audience boughtAtMost(int n, String category, Period period) {
        return with(boughtAtMost("boughtAtMost", n, category, period));
    }

    /**
     * Keeps lapsed buyers: users who bought at least once (any category, any day) and whose latest
     * purchase is strictly before date, written YYYY-MM-DD. Users who never bought are not kept.
     */
    public Audience lastBoughtBefore(String date) {
        return with(new LastBoughtBefore(requireDay("lastBoughtBefore", date)));
    }

    /**
     * Keeps users whose purchases in the category (its subcategories included) in the period add up to
     * at least amount; the sum is exact (decimals, so 0.70 + 0.10 reaches 0.8).
     */
    public Audience spentAtLeast(double amount, String category, Period period) {
        requireAmount(amount);
        return with(new SpentAtLeast(BigDecimal.valueOf(amount), purchases("spentAtLeast", category, period)));
    }

    /** Keeps users whose postal code's centre is at most radiusKm from postalCode's centre. */
    public Audience livingNear(String postalCode, double radiusKm) {
        requireRadius(radiusKm);
        return with(new LivingNear(postalCode.trim(), radiusKm, marketplace.postalCodesNear("livingNear", postalCode, radiusKm)));
    }

    /** Keeps users who registered in the period. */
    public Audience registeredBetween(Period period) {
        requirePeriod("registeredBetween", period);
        return with(new Registered(period));
    }

    /**
     * Keeps users who were on no mailing list prepared in the {@code days} days before the marketplace's
     * day (today's lists do not count, so a rerun of a day gives the same list). Reads the mailing
     * history, which must exist.
     */
    public Audience notMailedInLast(int days) {
        requireNotMailedDays(days);
        marketplace.requireMailingHistory("notMailedInLast");
        LocalDate day = marketplace.asOf();
        return with(new NotMailed(days, day.minusDays(days), day.minusDays(1)));
    }

    /** Users in both audiences. */
    public Audience and(Audience other) {
        return of(marketplace, new And(criterion, criterionOf("and", other)));
    }

    /** Users in both audiences; all of them agreed to mailings, since the other audience's users did. */
    public MailableAudience and(MailableAudience other) {
        return (MailableAudience) and((Audience) other);
    }

    /** Users in either audience. */
    public Audience or(Audience other) {
        return of(marketplace, new Or(criterion, criterionOf("or", other)));
    }

    /** Users in this audience but not in the other; the same as {@link #excluding(Audience)}. */
    public Audience except(Audience other) {
        return removing("except", other);
    }

    /** Removes the other audience's users from this one (a suppression list); the same as {@link #except(Audience)}. */
    public Audience excluding(Audience other) {
        return removing("excluding", other);
    }

    /** How many users are in the audience (runs a Spark job). */
    public long count() {
        return toDataset().count();
    }

    /**
     * How the users split by {@code "city"} or {@code "category"}: one row per key with its number of users,
     * most first (one Spark job). Shown as a table with bars; see {@link Breakdown} for what each counts.
     */
    public Breakdown by(String dimension) {
        Breakdown.Dimension known = Breakdown.Dimension.of("by", dimension);
        return new Breakdown(describe(), known.text(), AudiencePlan.breakdown(marketplace, criterion, known));
    }

    /** Prints the first n users as a table. */
    public void show(int n) {
        if (n < 1) {
            throw new AudienceException("show: 'n' is " + n + ", but it must be at least 1 (the number of users to show)");
        }
        toDataset().show(n, false);
    }

    /** Prints the first 20 users as a table. */
    public void show() {
        show(20);
    }

    /** The users of the audience with every column of the users table, as one lazy Spark query. */
    public Dataset<Row> toDataset() {
        return AudiencePlan.users(marketplace, criterion);
    }

    /** Prints who is in the audience in plain English, then the Spark plan that finds them. */
    public void explain() {
        System.out.println(describe());
        System.out.println();
        System.out.println(plan());
    }

    /** Who is in the audience, in plain English. */
    public String describe() {
        return criterion.describe();
    }

    /** Spark's physical plan of {@link #toDataset()} (EXPLAIN FORMATTED; runs no Spark job). */
    public String plan() {
        String view = "kindling_audience_" + VIEWS.incrementAndGet();
        toDataset().createOrReplaceTempView(view);
        try {
            return marketplace.spark().sql("EXPLAIN FORMATTED SELECT * FROM " + view).first().getString(0);
        } finally {
            marketplace.spark().catalog().dropTempView(view);
        }
    }

    /** The plain-English description, so shells and notebooks show what an audience is. */
    @Override
    public String toString() {
        return describe();
    }

    Criterion criterion() {
        return criterion;
    }

    Marketplace marketplace() {
        return marketplace;
    }

    private Audience with(Criterion step) {
        return of(marketplace, new And(criterion, step));
    }

    private Activity activity(String step, Role role, int n, String category, Period period) {
        requireTimes(step, n);
        requirePeriod(step, period);
        Set<Integer> ids = marketplace.categoryWithSubcategories(step, category);
        return new Activity(role, n, category.trim(), ids, period);
    }

    private Audience removing(String step, Audience other) {
        return of(marketplace, new Except(criterion, criterionOf(step, other)));
    }

    private BoughtAtMost boughtAtMost(String step, int n, String category, Period period) {
        requireAtMost(step, n);
        return new BoughtAtMost(n, purchases(step, category, period));
    }

    private Purchases purchases(String step, String category, Period period) {
        requirePeriod(step, period);
        Set<Integer> ids = marketplace.categoryWithSubcategories(step, category);
        return new Purchases(category.trim(), ids, period);
    }

    private Criterion criterionOf(String step, Audience other) {
        if (other == null) {
            throw new AudienceException(step + ": the other audience is missing; give one such as users().withPermissionToMailing()");
        }
        if (other.marketplace != marketplace) {
            throw new AudienceException(step + ": the two audiences come from different marketplaces (sessions or tables); build both from the same users()");
        }
        return other.criterion;
    }

    // The checks that need no data are static, so a saved definition is checked before Spark starts.

    static void requireTimes(String step, int n) {
        if (n < 1) {
            throw new AudienceException(step + ": 'n' is " + n + ", but it must be at least 1 (the number of transactions)");
        }
    }

    static void requireAtMost(String step, int n) {
        if (n < 0) {
            throw new AudienceException(step + ": 'n' is " + n + ", but it must be at least 0 (the most purchases; 0 means none)");
        }
    }

    static void requireAmount(double amount) {
        if (!(amount > 0 && amount <= MAX_AMOUNT)) {
            throw new AudienceException("spentAtLeast: 'amount' is " + number(amount) + ", but it must be a number above 0 and at most "
                    + number(MAX_AMOUNT) + " (the sum of the purchases' amounts), e.g. 100");
        }
    }

    /** The day written YYYY-MM-DD, from 0001-01-01 to 9999-12-31; needs no data. */
    static LocalDate requireDay(String step, String date) {
        if (date == null) {
            throw new AudienceException(step + ": 'date' is missing; give one such as \"2017-01-20\"");
        }
        return Period.day(step, "date", date);
    }


    static void requireNotMailedDays(int days) {
        if (days < 1 || days > MAX_NOT_MAILED_DAYS) {
            throw new AudienceException("notMailedInLast: 'days' is " + days + ", but it must be from 1 to " + MAX_NOT_MAILED_DAYS
                    + " (the number of days before today, or before the run's day)");
        }
    }

    static void requireRadius(double radiusKm) {
        if (!(radiusKm > 0) || Double.isInfinite(radiusKm)) {
            throw new AudienceException("livingNear: 'radiusKm' is " + number(radiusKm) + ", but it must be a number of kilometres above 0, e.g. 10");
        }
    }

    private static void requirePeriod(String step, Period period) {
        if (period == null) {
            throw new AudienceException(step + ": 'period' is missing; give one such as between(\"2017-01-01\", \"2017-01-20\")");
        }
    }

    /** 10.0 prints as 10, 2.5 as 2.5. */
    static String number(double value) {
        return Double.isFinite(value) ? new BigDecimal(Double.toString(value)).stripTrailingZeros().toPlainString() : Double.toString(value);
    }
}
