package dev.kindling.dsl;

import static dev.kindling.dsl.Audiences.between;
import static dev.kindling.dsl.Audiences.users;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.kindling.testing.TestSpark;

/**
 * Random audiences (random steps, nested and/or/except). Those the types call mailable are exported:
 * exactly their users, each with consent. Any other is an {@link Audience} at run time too, so a
 * definition read from text cannot slip through. Half the users of the small marketplace have no
 * consent (false or null), so a hole in the rule would show.
 */
class ConsentPropertyTest {

    private static final long SEED = 20170120L;
    private static final int AUDIENCES = 40;
    // each export is a whole write-audit-publish of an Iceberg table (about 1.5 s): fewer of them; the
    // static rule, checked on every audience above, is what keeps consent in all of them
    private static final int EXPORTED_AUDIENCES = 16;
    private static final SparkSession SPARK = TestSpark.session();

    private static final List<UnaryOperator<Audience>> STEPS = List.of(
            Audience::withPermissionToMailing,
            Audience::withPermissionToMailing,
            a -> a.soldAtLeast(1, "Sports", between("2017-01-01", "2017-01-20")),
            a -> a.boughtAtLeast(2, "Cycling", between("2017-01-01", "2017-01-31")),
            a -> a.livingNear("87-100", 10),
            a -> a.registeredBetween(between("2016-01-01", "2016-12-31")),
            a -> a.notBoughtIn("Cycling", between("2017-01-01", "2017-01-20")),
            a -> a.boughtAtMost(4, "Sports", between("2017-01-01", "2017-01-31")),
            a -> a.lastBoughtBefore("2017-01-21"),
            a -> a.spentAtLeast(40, "Sports", between("2017-01-01", "2017-01-20")));

    private static final List<UnaryOperator<MailableAudience>> MAILABLE_STEPS = List.of(
            MailableAudience::withPermissionToMailing,
            a -> a.soldAtLeast(1, "Sports", between("2017-01-01", "2017-01-20")),
            a -> a.boughtAtLeast(2, "Cycling", between("2017-01-01", "2017-01-31")),
            a -> a.livingNear("87-100", 10),
            a -> a.registeredBetween(between("2016-01-01", "2016-12-31")),
            a -> a.notBoughtIn("Cycling", between("2017-01-01", "2017-01-20")),
            a -> a.boughtAtMost(4, "Sports", between("2017-01-01", "2017-01-31")),
            a -> a.lastBoughtBefore("2017-01-21"),
            a -> a.spentAtLeast(40, "Sports", between("2017-01-01", "2017-01-20")));

    @BeforeAll
    static void marketplace() {
        SmallMarketplace.open();
    }

    private static Audience randomAudience(Random random, int depth) {
        if (depth > 0 && random.nextInt(3) == 0) {
            Audience left = randomAudience(random, depth - 1);
            Audience right = randomAudience(random, depth - 1);
            return switch (random.nextInt(3)) {
                case 0 -> left.and(right);
                case 1 -> left.or(right);
                default -> random.nextBoolean() ? left.except(right) : left.excluding(right);
            };
        }
        Audience audience = users();
        for (int steps = random.nextInt(3); steps > 0; steps--) {
            audience = STEPS.get(random.nextInt(STEPS.size())).apply(audience);
        }
        return audience;
    }

    /** A random audience built only by the calls whose static type is mailable. */
    private static MailableAudience randomMailable(Random random, int depth) {
        if (depth > 0 && random.nextInt(3) == 0) {
            MailableAudience mailable = randomMailable(random, depth - 1);
            return switch (random.nextInt(4)) {
                case 0 -> mailable.and(randomAudience(random, depth - 1));
                case 1 -> randomAudience(random, depth - 1).and(mailable);
                case 2 -> mailable.or(randomMailable(random, depth - 1));
                default -> random.nextBoolean() ? mailable.except(randomAudience(random, depth - 1)) : mailable.excluding(randomAudience(random, depth - 1));
            };
        }
        MailableAudience audience = randomAudience(random, depth).withPermissionToMailing();
        for (int steps = random.nextInt(3); steps > 0; steps--) {
            audience = MAILABLE_STEPS.get(random.nextInt(MAILABLE_STEPS.size())).apply(audience);
        }
        return audience;
    }

    @Test
    void noExportedUserLacksConsent() {
        Random random = new Random(SEED);
        for (int i = 0; i < EXPORTED_AUDIENCES; i++) {
            MailableAudience audience = randomMailable(random, 3);
            MailingList list = audience.prepareForMailing("property_" + i);
            long withoutConsent = SPARK.table(list.table()).join(SPARK.table("small.users"), "user_id")
                    .where("mailing_consent IS NOT TRUE").count();
            assertThat(withoutConsent).as("users without consent in the export of: " + audience.describe()).isZero();
            // the suppression list (SmallMarketplace: user 7) is left out and counted, whatever the audience
            assertThat(SPARK.table(list.table()).select("user_id").collectAsList())
                    .as("the export is exactly the audience without the suppressed users: " + audience.describe())
                    .containsExactlyInAnyOrderElementsOf(audience.toDataset().join(SPARK.table("small.suppressions"), "user_id", "left_anti")
                            .select("user_id").collectAsList());
            assertThat(list.suppressed()).as("suppressed in: " + audience.describe())
                    .isEqualTo(audience.toDataset().join(SPARK.table("small.suppressions"), "user_id", "left_semi").count());
        }
    }

    @Test
    void theStaticRuleMatchesTheData() {
        // an audience the rule accepts never contains a non-consenting user, even without exporting it
        // and the run-time class agrees with the rule, so an audience read from text is typed right
        Random random = new Random(SEED + 1);
        int mailable = 0;
        for (int i = 0; i < AUDIENCES; i++) {
            Audience audience = randomAudience(random, 3);
            assertThat(audience instanceof MailableAudience).as(audience.describe()).isEqualTo(audience.criterion().guaranteesConsent());
            if (audience.criterion().guaranteesConsent()) {
                mailable++;
                assertThat(audience.toDataset().where("mailing_consent IS NOT TRUE").count()).as(audience.describe()).isZero();
            }
        }
        // the generator must exercise both kinds for the property to mean anything
        assertThat(mailable).as("mailable audiences").isBetween(6, AUDIENCES - 6);
    }

    // consent is a third of the steps, as it was with three steps, so both kinds stay frequent
    private static final List<String> WRITTEN_STEPS = List.of(
            ".withPermissionToMailing()",
            ".withPermissionToMailing()",
            ".withPermissionToMailing()",
            ".soldAtLeast(1, \"Sports\", between(\"2017-01-01\", \"2017-01-20\"))",
            ".registeredBetween(lastDays(365))",
            ".notBoughtIn(\"Sports\", between(\"2017-01-01\", \"2017-01-20\"))",
            ".boughtAtMost(0, \"Cycling\", lastDays(30))",
            ".lastBoughtBefore(\"2017-01-21\")",
            ".spentAtLeast(9.99, \"Bikes\", between(\"2017-01-01\", \"2017-01-31\"))");

    private static String randomDefinition(Random random, int depth) {
        StringBuilder text = new StringBuilder("users()");
        for (int steps = random.nextInt(4); steps > 0; steps--) {
            if (depth > 0 && random.nextInt(3) == 0) {
                text.append(List.of(".and(", ".or(", ".except(", ".excluding(").get(random.nextInt(4))).append(randomDefinition(random, depth - 1)).append(")");
            } else {
                text.append(WRITTEN_STEPS.get(random.nextInt(WRITTEN_STEPS.size())));
            }
        }
        return text.toString();
    }

    @Test
    void aSavedDefinitionIsMailableExactlyWhenTheAudienceItBuildsIs() {
        // the job decides from the text before Spark starts; the audience decides from its criterion
        Random random = new Random(SEED + 2);
        Marketplace marketplace = users().marketplace();
        int mailable = 0;
        for (int i = 0; i < 200; i++) {
            String text = randomDefinition(random, 3);
            AudienceDefinition definition = AudienceDefinition.parse(text);
            Audience audience = definition.on(marketplace);
            assertThat(definition.guaranteesConsent()).as(text).isEqualTo(audience instanceof MailableAudience);
            if (definition.guaranteesConsent()) {
                mailable++;
                assertThat(definition.mailableOn(marketplace).criterion()).as(text).isEqualTo(audience.criterion());
            } else {
                // the part named is a piece of the text that lacks consent itself
                String missing = catchThrowable(() -> definition.mailableOn(marketplace)).getMessage().replaceFirst(".* Missing in: ", "");
                assertThat(text).contains(missing);
                assertThat(AudienceDefinition.parse(missing).guaranteesConsent()).as(text).isFalse();
            }
        }
        assertThat(mailable).as("mailable definitions").isBetween(40, 160);
    }
}
