package dev.kindling.dsl;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.kindling.dsl.Criterion.Activity;
import dev.kindling.dsl.Criterion.And;
import dev.kindling.dsl.Criterion.Except;
import dev.kindling.dsl.Criterion.LivingNear;
import dev.kindling.dsl.Criterion.MailingConsent;
import dev.kindling.dsl.Criterion.NotMailed;
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
 * <li>postal codes (small) are broadcast and joined once, for the users' home coordinates;</li>
 * <li>the mailing history (notMailedInLast) is read once, over the union of the steps' days (its
 *     prepared_on partitions are pruned): one conditional count per step in one aggregation per user;</li>
 * <li>and/or/except are boolean algebra on each user's row, so no source is read twice.</li>
 * </ul>
 * Every leaf yields true or false, never null, so {@code except} behaves for users with no data.
 */
final class AudiencePlan {

    private static final String ACTIVITY_USER = "_activity_user_id";
    private static final String HISTORY_USER = "_history_user_id";
    private static final String HOME_CODE = "_home_postal_code";
    private static final String HOME_LATITUDE = "_home_latitude";
    private static final String HOME_LONGITUDE = "_home_longitude";
    // Distances exactly at the radius are "near"; this absorbs floating-point noise (a micrometre).
    private static final double RADIUS_TOLERANCE_KM = 1e-9;

    private final Marketplace marketplace;
    private final List<Activity> activities;
    private final List<NotMailed> notMailed;

    private AudiencePlan(Marketplace marketplace, Criterion criterion) {
        this.marketplace = marketplace;
        this.activities = criterion.nodes().filter(Activity.class::isInstance).map(Activity.class::cast).distinct().toList();
        this.notMailed = criterion.nodes().filter(NotMailed.class::isInstance).map(NotMailed.class::cast).distinct().toList();
    }

    /** The users (all columns of the users table) that the criterion admits. */
    static Dataset<Row> users(Marketplace marketplace, Criterion criterion) {
        return new AudiencePlan(marketplace, criterion).compile(criterion);
    }

    private Dataset<Row> compile(Criterion criterion) {
        Dataset<Row> users = marketplace.spark().table(marketplace.tables().users());
        Dataset<Row> rows = users;
        if (criterion.nodes().anyMatch(LivingNear.class::isInstance)) {
            Dataset<Row> homes = marketplace.spark().table(marketplace.tables().postalCodes()).select(
                    col(Tables.POSTAL_CODE).as(HOME_CODE), col(Tables.LATITUDE).as(HOME_LATITUDE), col(Tables.LONGITUDE).as(HOME_LONGITUDE));
            rows = rows.join(broadcast(homes), col(Tables.POSTAL_CODE).equalTo(col(HOME_CODE)), "left");
        }
        if (!activities.isEmpty()) {
            rows = rows.join(activityCounts(), col(Tables.USER_ID).equalTo(col(ACTIVITY_USER)), "left");
        }
        if (!notMailed.isEmpty()) {
            rows = rows.join(mailings(), col(Tables.USER_ID).equalTo(col(HISTORY_USER)), "left");
        }
        return rows.where(predicate(criterion)).select(Arrays.stream(users.columns()).map(functions::col).toArray(Column[]::new));
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
            return coalesce(col(countColumn(activities.indexOf(activity))), lit(0L)).geq(activity.times());
        }
        if (criterion instanceof LivingNear near) {
            Column distance = GreatCircle.kilometres(col(HOME_LATITUDE), col(HOME_LONGITUDE), near.latitude(), near.longitude());
            return coalesce(distance.leq(near.radiusKm() + RADIUS_TOLERANCE_KM), lit(false));
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

    private static Column inPeriod(Period period) {
        return col(Tables.TRANSACTION_DATE).between(lit(period.from()), lit(period.to()));
    }

    private static String mailedColumn(int index) {
        return "_mailed_" + index;
    }

    private static String countColumn(int index) {
        return "_activity_" + index;
    }
}
