package dev.kindling.dsl;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.explode_outer;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.try_element_at;
import static org.apache.spark.sql.functions.when;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.kindling.dsl.Breakdown.Dimension;
import dev.kindling.dsl.Breakdown.Entry;
import dev.kindling.dsl.Criterion.Activity;
import dev.kindling.dsl.Criterion.And;
import dev.kindling.dsl.Criterion.BoughtAtMost;
import dev.kindling.dsl.Criterion.Except;
import dev.kindling.dsl.Criterion.LastBoughtBefore;
import dev.kindling.dsl.Criterion.LivingNear;
import dev.kindling.dsl.Criterion.MailingConsent;
import dev.kindling.dsl.Criterion.Measure;
import dev.kindling.dsl.Criterion.NotMailed;
import dev.kindling.dsl.Criterion.Or;
import dev.kindling.dsl.Criterion.Registered;
import dev.kindling.dsl.Criterion.Role;
import dev.kindling.dsl.Criterion.SpentAtLeast;
import dev.kindling.dsl.Criterion.Tally;
import dev.kindling.dsl.Criterion.TransactionStep;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Compiles a criterion into one Spark query over the users table, whatever its shape:
 * <ul>
 * <li>transactions are read once: every transaction step becomes one column (a conditional count,
 *     sum of amounts or latest date: its {@link Tally}) of a single aggregation per user, over the
 *     union of the steps' date ranges (so date partitions are pruned; a step over every day, such as
 *     lastBoughtBefore, reads them all);</li>
 * <li>amounts are added as {@value #EXACT_AMOUNT}, so sums are exact for money columns (DECIMAL(10,2))
 *     and for doubles written with up to 10 decimals (0.70 + 0.10 is 0.80, not 0.7999999999999999);</li>
 * <li>livingNear is a list of postal codes, resolved when the step was given, so users are filtered
 *     as they are read and the postal codes table is not part of the query;</li>
 * <li>the mailing history (notMailedInLast) is read once, over the union of the steps' days (its
 *     prepared_on partitions are pruned): one conditional count per step in one aggregation per user;</li>
 * <li>and/or/except are boolean algebra on each user's row, so no source is read twice.</li>
 * </ul>
 * Every leaf yields true or false, never null, so {@code except} behaves for users with no data, and
 * a user without transactions has no aggregated row: counts and sums are then 0, the latest date none.
 * A {@linkplain Breakdown breakdown} is the same query with one more column per user (the city from a
 * broadcast join of the postal codes, or the top-level categories from the same single aggregation of
 * transactions), grouped by it.
 */
final class AudiencePlan {

    private static final String USERS = "_kindling_users";
    private static final String ACTIVITY_USER = "_activity_user_id";
    private static final int EXACT_AMOUNT_SCALE = 10;
    private static final String EXACT_AMOUNT = "DECIMAL(38," + EXACT_AMOUNT_SCALE + ")";
    private static final String HISTORY_USER = "_history_user_id";
    private static final String HOME_CODE = "_home_postal_code";
    private static final String HOME_CITY = "_home_city";
    private static final String TOP_CATEGORIES = "_top_categories";
    private static final String KEY = "key";
    private static final String USER_COUNT = "users";

    private final Marketplace marketplace;
    private final List<Tally> tallies;
    private final Dimension dimension; // null unless a breakdown
    private final List<NotMailed> notMailed;

    private AudiencePlan(Marketplace marketplace, Criterion criterion, Dimension dimension) {
        this.marketplace = marketplace;
        this.tallies = criterion.nodes().filter(TransactionStep.class::isInstance).map(step -> ((TransactionStep) step).tally()).distinct().toList();
        this.dimension = dimension;
        this.notMailed = criterion.nodes().filter(NotMailed.class::isInstance).map(NotMailed.class::cast).distinct().toList();
    }

    /** The users (all columns of the users table) that the criterion admits. */
    static Dataset<Row> users(Marketplace marketplace, Criterion criterion) {
        return new AudiencePlan(marketplace, criterion, null).compile(criterion);
    }

    /** The criterion's users counted by the dimension's keys, most users first, then by key (one Spark job). */
    static List<Entry> breakdown(Marketplace marketplace, Criterion criterion, Dimension dimension) {
        return breakdownRows(marketplace, criterion, dimension).collectAsList().stream()
                .map(row -> new Entry(row.getString(0), row.getLong(1))).toList();
    }

    /** The query of {@link #breakdown}: rows (key, users), sorted. */
    static Dataset<Row> breakdownRows(Marketplace marketplace, Criterion criterion, Dimension dimension) {
        Dataset<Row> users = new AudiencePlan(marketplace, criterion, dimension).compile(criterion);
        Dataset<Row> keys = dimension == Dimension.CITY
                ? users.select(coalesce(col(HOME_CITY), lit(Breakdown.UNKNOWN)).as(KEY))
                : users.select(explode_outer(col(TOP_CATEGORIES)).as(KEY)).select(coalesce(col(KEY), lit(Breakdown.NONE)).as(KEY));
        return keys.groupBy(KEY).agg(count(lit(1)).as(USER_COUNT)).orderBy(col(USER_COUNT).desc(), col(KEY));
    }

    private Dataset<Row> compile(Criterion criterion) {
        // The users' own columns are selected back by the alias, not listed: asking a Dataset for its
        // columns is a round trip to the server over Spark Connect.
        Dataset<Row> rows = marketplace.spark().table(marketplace.tables().users()).as(USERS);
        if (dimension == Dimension.CITY) {
            Dataset<Row> homes = marketplace.spark().table(marketplace.tables().postalCodes())
                    .select(col(Tables.POSTAL_CODE).as(HOME_CODE), col(Tables.CITY).as(HOME_CITY));
            rows = rows.join(broadcast(homes), col(Tables.POSTAL_CODE).equalTo(col(HOME_CODE)), "left");
        }
        if (!tallies.isEmpty() || dimension == Dimension.CATEGORY) {
            rows = rows.join(perUserTallies(), col(Tables.USER_ID).equalTo(col(ACTIVITY_USER)), "left");
        }
        if (!notMailed.isEmpty()) {
            rows = rows.join(mailings(), col(Tables.USER_ID).equalTo(col(HISTORY_USER)), "left");
        }
        List<Column> output = new ArrayList<>(List.of(col(USERS + ".*")));
        if (dimension != null) {
            output.add(col(dimension == Dimension.CITY ? HOME_CITY : TOP_CATEGORIES));
        }
        return rows.where(predicate(criterion)).select(output.toArray(Column[]::new));
    }

    /**
     * One row per user with one column per tally; reads only the tallies' days and categories. For a
     * breakdown by category also the user's top-level categories as buyer or seller, so it reads every
     * category of the tallies' days (every transaction without transaction steps).
     */
    private Dataset<Row> perUserTallies() {
        boolean byCategory = dimension == Dimension.CATEGORY;
        Column wanted = null;
        for (Tally tally : tallies) {
            Column covered = byCategory ? days(tally) : covers(tally);
            wanted = wanted == null ? covered : wanted.or(covered);
        }
        List<Column> roles = new ArrayList<>();
        for (Role role : byCategory ? List.of(Role.values()) : tallies.stream().map(Tally::role).distinct().toList()) {
            roles.add(struct(col(role.idColumn).as(ACTIVITY_USER), lit(role.name()).as("role")));
        }
        // a transaction counts once per role (seller, buyer); with a single role no row is doubled
        Column by = roles.size() == 1 ? roles.get(0) : explode(array(roles.toArray(Column[]::new)));
        List<Column> read = new ArrayList<>(List.of(col(Tables.CATEGORY_ID), col(Tables.TRANSACTION_DATE)));
        if (tallies.stream().anyMatch(tally -> tally.measure() == Measure.AMOUNT)) {
            read.add(col(Tables.AMOUNT));
        }
        Dataset<Row> transactions = marketplace.spark().table(marketplace.tables().transactions());
        Dataset<Row> perUserAndRole = (wanted == null ? transactions : transactions.where(wanted))
                .select(Stream.concat(Stream.of(by.as("by")), read.stream()).toArray(Column[]::new))
                .select(Stream.concat(Stream.of(col("by." + ACTIVITY_USER).as(ACTIVITY_USER), col("by.role").as("role")), read.stream()).toArray(Column[]::new));
        List<Column> figures = new ArrayList<>();
        for (int i = 0; i < tallies.size(); i++) {
            Tally tally = tallies.get(i);
            Column counted = col("role").equalTo(lit(tally.role().name())).and(covers(tally));
            Column figure = switch (tally.measure()) {
                case COUNT -> count_if(counted);
                case AMOUNT -> sum(when(counted, col(Tables.AMOUNT).cast(EXACT_AMOUNT)));
                case LATEST_DATE -> max(when(counted, col(Tables.TRANSACTION_DATE)));
            };
            figures.add(figure.as(tallyColumn(i)));
        }
        if (byCategory) {
            figures.add(collect_set(topLevelCategory()).as(TOP_CATEGORIES));
        }
        return perUserAndRole.groupBy(ACTIVITY_USER).agg(figures.get(0), figures.subList(1, figures.size()).toArray(Column[]::new));
    }

    /** The transactions a tally looks at, whoever's they are: its days (all if none) and categories (all if none). */
    private static Column covers(Tally tally) {
        return tally.categoryIds() == null ? days(tally) : days(tally).and(col(Tables.CATEGORY_ID).isin(tally.categoryIds().toArray()));
    }

    private static Column days(Tally tally) {
        return tally.period() == null ? lit(true) : inPeriod(tally.period());
    }

    /** One row per user mailed in any notMailedInLast step's days, with one count of mailings per step. */
    private Dataset<Row> mailings() {
        Column wanted = null;
        List<Column> counts = new ArrayList<>();
        for (int i = 0; i < notMailed.size(); i++) {
            NotMailed step = notMailed.get(i);
            Column inDays = col(Tables.PREPARED_ON).between(lit(step.from()), lit(step.to()));
            wanted = wanted == null ? inDays : wanted.or(inDays);
            counts.add(count_if(inDays).as(mailedColumn(i)));
        }
        return marketplace.spark().table(marketplace.tables().mailingHistory())
                .where(wanted)
                .groupBy(col(Tables.USER_ID).as(HISTORY_USER))
                .agg(counts.get(0), counts.subList(1, counts.size()).toArray(Column[]::new));
    }

    private Column predicate(Criterion criterion) {
        if (criterion instanceof MailingConsent) {
            return coalesce(col(Tables.MAILING_CONSENT), lit(false));
        }
        if (criterion instanceof Activity activity) {
            return coalesce(figure(activity), lit(0L)).geq(activity.times());
        }
        if (criterion instanceof BoughtAtMost atMost) {
            return coalesce(figure(atMost), lit(0L)).leq(atMost.times());
        }
        if (criterion instanceof LastBoughtBefore last) {
            return coalesce(figure(last).lt(lit(last.day())), lit(false));
        }
        if (criterion instanceof SpentAtLeast spent) {
            // sum >= amount exactly; rounding the amount up to the sum's scale keeps that for an amount with more decimals
            BigDecimal atLeast = spent.amount().setScale(EXACT_AMOUNT_SCALE, RoundingMode.CEILING);
            return coalesce(figure(spent), lit(BigDecimal.ZERO).cast(EXACT_AMOUNT)).geq(lit(atLeast).cast(EXACT_AMOUNT));
        }
        if (criterion instanceof LivingNear near) {
            return coalesce(col(Tables.POSTAL_CODE).isin(near.nearbyCodes().stream().sorted().toArray()), lit(false));
        }
        if (criterion instanceof Registered registered) {
            Period period = registered.period();
            return coalesce(col(Tables.REGISTERED_ON).between(lit(period.from()), lit(period.to())), lit(false));
        }
        if (criterion instanceof NotMailed step) {
            return coalesce(col(mailedColumn(notMailed.indexOf(step))), lit(0L)).equalTo(0L);
        }
        if (criterion instanceof And and) {
            return predicate(and.left()).and(predicate(and.right()));
        }
        if (criterion instanceof Or or) {
            return predicate(or.left()).or(predicate(or.right()));
        }
        if (criterion instanceof Except except) {
            return predicate(except.kept()).and(not(predicate(except.removed())));
        }
        return lit(true); // Everyone
    }

    /** The name of a transaction's top-level category, from the category tree (small, read once) as a literal map. */
    private Column topLevelCategory() {
        List<Column> idsAndNames = new ArrayList<>();
        marketplace.topLevelCategories().forEach((id, name) -> {
            idsAndNames.add(lit(id));
            idsAndNames.add(lit(name));
        });
        Column names = functions.map(idsAndNames.toArray(Column[]::new));
        return coalesce(try_element_at(names, col(Tables.CATEGORY_ID).cast("int")), lit(Breakdown.UNKNOWN));
    }

    private static Column inPeriod(Period period) {
        return col(Tables.TRANSACTION_DATE).between(lit(period.from()), lit(period.to()));
    }

    private Column figure(TransactionStep step) {
        return col(tallyColumn(tallies.indexOf(step.tally())));
    }

    private static String tallyColumn(int index) {
        return "_activity_" + index;
    }

    private static String mailedColumn(int index) {
        return "_mailed_" + index;
    }
}
