package dev.kindling.dsl;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import dev.kindling.dsl.publish.TableWriter;
import org.apache.spark.sql.Column;

/**
 * A mailable audience with a control group, the end of a sentence: it offers only what may follow a
 * holdout, preparing the mailing list (which then leaves the held-out users out and writes them to
 * {@code <name>_holdout} beside it), counting and describing. Immutable.
 * <p>
 * A user is held out when {@code pmod(xxhash64(salt, CAST(user_id AS BIGINT)), 1000000) < percent * 10000}: Spark's
 * xxhash64 has a fixed seed, so the same salt splits the same users the same way on every run and
 * cluster, and another salt splits them independently. Held-out users are not written to the mailing
 * history: they were not mailed.
 */
public final class AudienceWithHoldout {

    /** The hash's buckets: a percent is compared in steps of 0.0001. */
    private static final long BUCKETS = 1_000_000L;

    private final MailableAudience audience;
    private final double percent;
    private final String salt;

    AudienceWithHoldout(MailableAudience audience, double percent, String salt) {
        requirePercent(percent);
        requireSalt(salt);
        this.audience = audience;
        this.percent = percent;
        this.salt = salt;
    }

    /**
     * Writes the audience without the held-out users as mailing list {@code name} and the held-out users,
     * with the same columns, as {@code <name>_holdout} (table and CSV), each replaced in one step.
     */
    public MailingList prepareForMailing(String name) {
        return prepareForMailing(name, TableWriter.inSession(audience.marketplace().spark()));
    }

    /** {@link #prepareForMailing(String)} through a given writer, e.g. a scheduled job's outputs. */
    public MailingList prepareForMailing(String name, TableWriter writer) {
        return audience.prepare(name, heldOut(), writer);
    }

    /** How many users the mailing list gets: the audience without the held-out users (runs a Spark job). */
    public long count() {
        return audience.toDataset().where(not(heldOut())).count();
    }

    /** Who is in the audience and which share is held out, in plain English. */
    public String describe() {
        return audience.describe() + "; " + Audience.number(percent) + "% of them, chosen by salt \"" + salt
                + "\", held out of the list and written beside it";
    }

    @Override
    public String toString() {
        return describe();
    }

    /** True for the held-out users of a row with user_id (hashed as a BIGINT, so an INT id column splits the same way). */
    Column heldOut() {
        return pmod(xxhash64(lit(salt), col(Tables.USER_ID).cast("bigint")), lit(BUCKETS)).lt(lit(percent * (BUCKETS / 100)));
    }

    static void requirePercent(double percent) {
        if (!(percent > 0 && percent < 100)) {
            throw new AudienceException("holdout: 'percent' is " + Audience.number(percent)
                    + ", but it must be above 0 and below 100 (the share of users kept out of the list), e.g. 10");
        }
    }

    static void requireSalt(String salt) {
        if (salt == null || salt.isBlank()) {
            throw new AudienceException("holdout: 'salt' is " + (salt == null ? "missing" : "blank")
                    + "; give a word that names this split, e.g. \"spring_campaign\" (the same salt holds out the same users)");
        }
    }
}
