package dev.kindling.dsl;

import org.apache.spark.sql.SparkSession;

/**
 * The entry point: {@code import static dev.kindling.dsl.Audiences.*;} then, once per session,
 * {@code use(spark)} (the shell and the notebook do this), and then e.g.
 * <pre>
 * users().withPermissionToMailing()
 *        .soldAtLeast(4, "Sports", between("2017-01-01", "2017-01-20"))
 *        .livingNear("87-100", 10)
 *        .prepareForMailing("sellers_in_sports_category_living_near_Torun")
 * </pre>
 */
public final class Audiences {

    private static volatile Marketplace current;

    private Audiences() {
    }

    /** Audiences built from now on read the marketplace's tables in the standard demo layout. */
    public static Marketplace use(SparkSession spark) {
        return use(spark, Tables.demo());
    }

    /** Audiences built from now on read these tables with this session. */
    public static Marketplace use(SparkSession spark, Tables tables) {
        current = new Marketplace(spark, tables);
        return current;
    }

    /** Every user of the marketplace: the start of every audience. */
    public static Audience users() {
        return marketplace().users();
    }

    /** The days from {@code from} to {@code to}, both included, written YYYY-MM-DD. */
    public static Period between(String from, String to) {
        return Period.parse(from, to);
    }

    /** The last {@code days} days up to and including today (or the scheduled run's day, in the audience job). */
    public static Period lastDays(int days) {
        return marketplace().lastDays(days);
    }

    /** Reads an audience written in this language, e.g. from a saved file (see {@link AudienceParser}). */
    public static Audience parse(String definition) {
        return marketplace().parse(definition);
    }

    /** Prints every step with one line each (JShell shows no documentation for library classes). */
    public static void help() {
        System.out.print(HELP);
    }

    static final String HELP = """
            Start with users(), add steps, end with a terminal step. Each step returns a new audience.
              users()                                   every user
              .withPermissionToMailing()                only users who agreed to receive mailings
              .soldAtLeast(n, category, period)         sold at least n times in the category (subcategories included)
              .boughtAtLeast(n, category, period)       bought at least n times in the category (subcategories included)
              .boughtAtMost(n, category, period)        bought at most n times in the category (0: none); users who never
                                                        bought are included
              .notBoughtIn(category, period)            bought nothing in the category in the period; users who never
                                                        bought are included
              .lastBoughtBefore("2017-01-20")           lapsed buyers: latest purchase (any category) before the day;
                                                        users who never bought are NOT included
              .spentAtLeast(amount, category, period)   purchases in the category add up to at least amount (exactly)
              .livingNear(postalCode, radiusKm)         home postal code within radiusKm of postalCode ("NN-NNN")
              .registeredBetween(period)                registered in the period
              .notMailedInLast(days)                    on no mailing list prepared in the days days before today (the run's day)
              .and(audience) .or(audience) .except(audience)   combine two audiences
              .excluding(audience)                      remove the other audience's users (the same as except)
              between("2017-01-01", "2017-01-20")       a period; both days included
              lastDays(30)                              a period: the last 30 days up to today (the run's day in a scheduled job)
              .holdout(percent, salt)                   the last step, only on an audience whose every user agreed (see
                                                        prepareForMailing below), then only .prepareForMailing(name) or .count():
                                                        keeps a fixed share (the same salt, the same users) out of the list and
                                                        writes it beside it as <name>_holdout, to measure the campaign's effect
            Terminal steps:
              .count()                                  how many users
              .by("city") .by("category")               how many users in each city, or top-level category they bought or sold
                                                        in (in the activity steps' periods); a table with bars, most users first
              .show(n)                                  the first n users as a table
              .toDataset()                              the users as a Spark Dataset
              .explain()                                the audience in plain English, then the Spark plan
              .prepareForMailing(name)                  write a mailing list (table and CSV); only on an audience whose every
                                                        user agreed: after withPermissionToMailing() (an or(...) needs it on both
                                                        sides, an except(...) on its first part), otherwise it does not compile
                                                        users on the suppression list are always left out; it reports users
                                                        written, suppressed, and ids added and removed since the last list
            Example:
              users().withPermissionToMailing().soldAtLeast(4, "Sports", between("2017-01-01", "2017-01-20")).livingNear("87-100", 10).count()
            """;

    private static Marketplace marketplace() {
        Marketplace marketplace = current;
        if (marketplace == null) {
            throw new AudienceException("users: no marketplace is open yet; call use(spark) first (bin/audience-shell and the notebook do it for you)");
        }
        return marketplace;
    }
}
