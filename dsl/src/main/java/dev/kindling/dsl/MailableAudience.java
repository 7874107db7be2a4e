package dev.kindling.dsl;

import dev.kindling.dsl.publish.TableWriter;
import org.apache.spark.sql.Column;

/**
 * An audience whose every user agreed to receive mailings, whatever the data: the only kind that can
 * be {@linkplain #prepareForMailing(String) prepared for mailing}. {@link Audience#withPermissionToMailing()}
 * returns one; every step keeps it, as do {@code and} with any audience, {@code or} with another
 * mailable audience and {@code except} (or {@code excluding}). (The casts below hold because
 * {@link Audience#of} returns a mailable audience exactly when the criterion guarantees consent, and
 * these combinations do.)
 */
public final class MailableAudience extends Audience {

    MailableAudience(Marketplace marketplace, Criterion criterion) {
        super(marketplace, criterion);
        if (!criterion.guaranteesConsent()) {
            throw new IllegalStateException("a mailable audience must guarantee consent: " + criterion.describe());
        }
    }

    @Override
    public MailableAudience soldAtLeast(int n, String category, Period period) {
        return (MailableAudience) super.soldAtLeast(n, category, period);
    }

    @Override
    public MailableAudience boughtAtLeast(int n, String category, Period period) {
        return (MailableAudience) super.boughtAtLeast(n, category, period);
    }

    @Override
    public MailableAudience notBoughtIn(String category, Period period) {
        return (MailableAudience) super.notBoughtIn(category, period);
    }

    @Override
    public MailableAudience boughtAtMost(int n, String category, Period period) {
        return (MailableAudience) super.boughtAtMost(n, category, period);
    }

    @Override
    public MailableAudience lastBoughtBefore(String date) {
        return (MailableAudience) super.lastBoughtBefore(date);
    }

    @Override
    public MailableAudience spentAtLeast(double amount, String category, Period period) {
        return (MailableAudience) super.spentAtLeast(amount, category, period);
    }

    @Override
    public MailableAudience livingNear(String postalCode, double radiusKm) {
        return (MailableAudience) super.livingNear(postalCode, radiusKm);
    }

    @Override
    public MailableAudience registeredBetween(Period period) {
        return (MailableAudience) super.registeredBetween(period);
    }

    @Override
    public MailableAudience notMailedInLast(int days) {
        return (MailableAudience) super.notMailedInLast(days);
    }

    /**
     * Ends the sentence with a control group: a deterministic {@code percent} of the users (chosen by a
     * hash of {@code salt} and the user's id, so the same salt picks the same users on every run) is kept
     * out of the mailing list and written beside it, so the campaign's effect can be measured.
     */
    public AudienceWithHoldout holdout(double percent, String salt) {
        return new AudienceWithHoldout(this, percent, salt);
    }

    /** Users in both audiences; they all agreed to mailings, since this audience's users did. */
    @Override
    public MailableAudience and(Audience other) {
        return (MailableAudience) super.and(other);
    }

    /** Users in either audience; both have only users who agreed to mailings. */
    public MailableAudience or(MailableAudience other) {
        return (MailableAudience) super.or(other);
    }

    /** Users in this audience but not in the other; removing users never adds one without consent. */
    @Override
    public MailableAudience except(Audience other) {
        return (MailableAudience) super.except(other);
    }

    /** Removes the other audience's users; removing users never adds one without consent. */
    @Override
    public MailableAudience excluding(Audience other) {
        return (MailableAudience) super.excluding(other);
    }

    /**
     * Writes the audience as mailing list {@code name}: a Hive table in the mailing database with only
     * the columns a mailing needs, plus a CSV file. Replaces an earlier list of that name in one step,
     * or leaves it untouched.
     */
    public MailingList prepareForMailing(String name) {
        return prepareForMailing(name, TableWriter.inSession(marketplace().spark()));
    }

    /** {@link #prepareForMailing(String)} through a given writer, e.g. a scheduled job's outputs. */
    public MailingList prepareForMailing(String name, TableWriter writer) {
        return prepare(name, null, writer);
    }

    /** The list of this audience's users for whom heldOut is false (all of them without one), and a holdout of the others. */
    MailingList prepare(String name, Column heldOut, TableWriter writer) {
        MailingList.checkName(name);
        return new MailingExport(marketplace()).write(name, toDataset(), heldOut, writer);
    }
}
