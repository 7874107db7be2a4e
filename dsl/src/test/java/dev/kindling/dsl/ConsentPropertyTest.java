package dev.kindling.dsl;

import static dev.kindling.dsl.Audiences.between;
import static dev.kindling.dsl.Audiences.users;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Random audiences (random steps, nested and/or/except): prepareForMailing either refuses one, or
 * exports exactly its users and every exported user has consent. Half the users of the small
 * marketplace have no consent (false or null), so a hole in the rule would show.
 */
class ConsentPropertyTest {

    private static final long SEED = 20170120L;
    private static final int AUDIENCES = 40;
    private static final SparkSession SPARK = TestSpark.session();

    private static final List<UnaryOperator<Audience>> STEPS = List.of(
            Audience::withPermissionToMailing,
            Audience::withPermissionToMailing,
            a -> a.soldAtLeast(1, "Sports", between("2017-01-01", "2017-01-20")),
            a -> a.boughtAtLeast(2, "Cycling", between("2017-01-01", "2017-01-31")),
            a -> a.livingNear("87-100", 10),
            a -> a.registeredBetween(between("2016-01-01", "2016-12-31")));

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
                default -> left.except(right);
            };
        }
        Audience audience = users();
        for (int steps = random.nextInt(3); steps > 0; steps--) {
            audience = STEPS.get(random.nextInt(STEPS.size())).apply(audience);
        }
        return audience;
    }

    @Test
    void noExportedUserLacksConsent() {
        Random random = new Random(SEED);
        int exported = 0;
        int refused = 0;
        for (int i = 0; i < AUDIENCES; i++) {
            Audience audience = randomAudience(random, 3);
            MailingList list;
            try {
                list = audience.prepareForMailing("property_" + i);
            } catch (AudienceException e) {
                assertThat(e.getMessage()).as(audience.describe()).startsWith("prepareForMailing: this audience may include users who did not agree");
                refused++;
                continue;
            }
            exported++;
            long withoutConsent = SPARK.table(list.table()).join(SPARK.table("small.users"), "user_id")
                    .where("mailing_consent IS NOT TRUE").count();
            assertThat(withoutConsent).as("users without consent in the export of: " + audience.describe()).isZero();
            assertThat(SPARK.table(list.table()).select("user_id").collectAsList())
                    .as("the export is exactly the audience: " + audience.describe())
                    .containsExactlyInAnyOrderElementsOf(audience.toDataset().select("user_id").collectAsList());
        }
        // the generator must exercise both outcomes for the property to mean anything
        assertThat(exported).as("exported audiences").isGreaterThan(5);
        assertThat(refused).as("refused audiences").isGreaterThan(5);
    }

    @Test
    void theStaticRuleMatchesTheData() {
        // an audience the rule accepts never contains a non-consenting user, even without exporting it
        Random random = new Random(SEED + 1);
        for (int i = 0; i < AUDIENCES; i++) {
            Audience audience = randomAudience(random, 3);
            if (audience.criterion().guaranteesConsent()) {
                assertThat(audience.toDataset().where("mailing_consent IS NOT TRUE").count()).as(audience.describe()).isZero();
            }
        }
    }
}
