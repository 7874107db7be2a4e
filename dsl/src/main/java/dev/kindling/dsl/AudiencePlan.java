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
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.try_element_at;

import java.util.ArrayList;
import java.util.List;

import dev.kindling.dsl.Breakdown.Dimension;
import dev.kindling.dsl.Breakdown.Entry;
import dev.kindling.dsl.Criterion.Activity;
import dev.kindling.dsl.Criterion.And;
import dev.kindling.dsl.Criterion.Except;
import dev.kindling.dsl.Criterion.LivingNear;
import dev.kindling.dsl.Criterion.MailingConsent;
import dev.kindling.dsl.Criterion.Or;
import dev.kindling.dsl.Criterion.Registered;
import dev.kindling.dsl.Criterion.Role;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Compiles a criterion into one Spark query over the users table, whatever its shape:
 * <ul>
 * <li>transactions are read once: every activity step becomes one conditional count in a single
 *     aggregation per user, over the union of the steps' date ranges (so date partitions are pruned);</li>
 * <li>livingNear is a list of postal codes, resolved when the step was given, so users are filtered
 *     as they are read and the postal codes table is not part of the query;</li>
 * <li>and/or/except are boolean algebra on each user's row, so no source is read twice.</li>
 * </ul>
 * Every leaf yields true or false, never null, so {@code except} behaves for users with no data.
 * A {@linkplain Breakdown breakdown} is the same query with one more column per user (the city from a
 * broadcast join of the postal codes, or the top-level categories from the same single aggregation of transactions),
 * grouped by it.
 */
final class AudiencePlan {

    private static final String USERS = "_kindling_users";
    private static final String ACTIVITY_USER = "_activity_user_id";
    private static final String HOME_CODE = "_home_postal_code";
    private static final String HOME_CITY = "_home_city";
    private static final String TOP_CATEGORIES = "_top_categories";
    private static final String KEY = "key";
    private static final String USER_COUNT = "users";

    private final Marketplace marketplace;
    private final List<Activity> activities;
    private final Dimension dimension; // null unless a breakdown

    private AudiencePlan(Marketplace marketplace, Criterion criterion) {
        this(marketplace, criterion, null);
    }

    private AudiencePlan(Marketplace marketplace, Criterion criterion, Dimension dimension) {
        this.marketplace = marketplace;
        this.activities = criterion.nodes().filter(Activity.class::isInstance).map(Activity.class::cast).distinct().toList();
        this.dimension = dimension;
    }

    /** The users (all columns of the users table) that the criterion admits. */
    static Dataset<Row> users(Marketplace marketplace, Criterion criterion) {
        return new AudiencePlan(marketplace, criterion).compile(criterion);
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
        if (!activities.isEmpty() || dimension == Dimension.CATEGORY) {
            rows = rows.join(activityCounts(), col(Tables.USER_ID).equalTo(col(ACTIVITY_USER)), "left");
        }
        List<Column> output = new ArrayList<>(List.of(col(USERS + ".*")));
        if (dimension != null) {
            output.add(col(dimension == Dimension.CITY ? HOME_CITY : TOP_CATEGORIES));
        }
        return rows.where(predicate(criterion)).select(output.toArray(Column[]::new));
    }

    /**
     * One row per user with one count per activity step; reads only the steps' days and categories. For a
     * breakdown by category also the user's top-level categories as buyer or seller, so it reads every
     * category of the steps' days (every transaction without activity steps).
     */
    private Dataset<Row> activityCounts() {
        boolean byCategory = dimension == Dimension.CATEGORY;
        Column wanted = null;
        for (Activity activity : activities) {
            Column matches = byCategory ? inPeriod(activity.period())
                    : inPeriod(activity.period()).and(col(Tables.CATEGORY_ID).isin(activity.categoryIds().toArray()));
            wanted = wanted == null ? matches : wanted.or(matches);
        }
        List<Column> roles = new ArrayList<>();
        for (Role role : byCategory ? List.of(Role.values()) : activities.stream().map(Activity::role).distinct().toList()) {
            roles.add(struct(col(role.idColumn).as(ACTIVITY_USER), lit(role.name()).as("role")));
        }
        Dataset<Row> transactions = marketplace.spark().table(marketplace.tables().transactions());
        Dataset<Row> perUserAndRole = (wanted == null ? transactions : transactions.where(wanted))
                .select(explode(array(roles.toArray(Column[]::new))).as("by"), col(Tables.CATEGORY_ID), col(Tables.TRANSACTION_DATE))
                .select(col("by." + ACTIVITY_USER).as(ACTIVITY_USER), col("by.role").as("role"), col(Tables.CATEGORY_ID), col(Tables.TRANSACTION_DATE));
        List<Column> counts = new ArrayList<>();
        for (int i = 0; i < activities.size(); i++) {
            Activity activity = activities.get(i);
            Column counted = col("role").equalTo(lit(activity.role().name()))
                    .and(inPeriod(activity.period()))
                    .and(col(Tables.CATEGORY_ID).isin(activity.categoryIds().toArray()));
            counts.add(count_if(counted).as(countColumn(i)));
        }
        if (byCategory) {
            counts.add(collect_set(topLevelCategory()).as(TOP_CATEGORIES));
        }
        return perUserAndRole.groupBy(ACTIVITY_USER).agg(counts.get(0), counts.subList(1, counts.size()).toArray(Column[]::new));
    }

    private Column predicate(Criterion criterion) {
        if (criterion instanceof MailingConsent) {
            return coalesce(col(Tables.MAILING_CONSENT), lit(false));
        }
        if (criterion instanceof Activity activity) {
            return coalesce(col(countColumn(activities.indexOf(activity))), lit(0L)).geq(activity.times());
        }
        if (criterion instanceof LivingNear near) {
            return coalesce(col(Tables.POSTAL_CODE).isin(near.nearbyCodes().stream().sorted().toArray()), lit(false));
        }
        if (criterion instanceof Registered registered) {
            Period period = registered.period();
            return coalesce(col(Tables.REGISTERED_ON).between(lit(period.from()), lit(period.to())), lit(false));
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

    private static String countColumn(int index) {
        return "_activity_" + index;
    }
}
