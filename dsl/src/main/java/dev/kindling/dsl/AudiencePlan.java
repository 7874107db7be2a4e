package dev.kindling.dsl;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;

import java.util.ArrayList;
import java.util.List;

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
 */
final class AudiencePlan {

    private static final String USERS = "_kindling_users";
    private static final String ACTIVITY_USER = "_activity_user_id";

    private final Marketplace marketplace;
    private final List<Activity> activities;

    private AudiencePlan(Marketplace marketplace, Criterion criterion) {
        this.marketplace = marketplace;
        this.activities = criterion.nodes().filter(Activity.class::isInstance).map(Activity.class::cast).distinct().toList();
    }

    /** The users (all columns of the users table) that the criterion admits. */
    static Dataset<Row> users(Marketplace marketplace, Criterion criterion) {
        return new AudiencePlan(marketplace, criterion).compile(criterion);
    }

    private Dataset<Row> compile(Criterion criterion) {
        // The users' own columns are selected back by the alias, not listed: asking a Dataset for its
        // columns is a round trip to the server over Spark Connect.
        Dataset<Row> rows = marketplace.spark().table(marketplace.tables().users()).as(USERS);
        if (!activities.isEmpty()) {
            rows = rows.join(activityCounts(), col(Tables.USER_ID).equalTo(col(ACTIVITY_USER)), "left");
        }
        return rows.where(predicate(criterion)).select(col(USERS + ".*"));
    }

    /** One row per user with one count per activity step; reads only the steps' days and categories. */
    private Dataset<Row> activityCounts() {
        Column wanted = null;
        for (Activity activity : activities) {
            Column matches = inPeriod(activity.period()).and(col(Tables.CATEGORY_ID).isin(activity.categoryIds().toArray()));
            wanted = wanted == null ? matches : wanted.or(matches);
        }
        List<Column> roles = new ArrayList<>();
        for (Role role : activities.stream().map(Activity::role).distinct().toList()) {
            roles.add(struct(col(role.idColumn).as(ACTIVITY_USER), lit(role.name()).as("role")));
        }
        Dataset<Row> perUserAndRole = marketplace.spark().table(marketplace.tables().transactions())
                .where(wanted)
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

    private static Column inPeriod(Period period) {
        return col(Tables.TRANSACTION_DATE).between(lit(period.from()), lit(period.to()));
    }

    private static String countColumn(int index) {
        return "_activity_" + index;
    }
}
