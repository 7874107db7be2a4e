package dev.kindling.dsl;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.kindling.testing.TestSpark;

/**
 * holdout(percent, salt): a fixed share kept out of the list, written beside it, not in the history.
 * Lists go to mailing database {@value #MAILINGS}. On SmallMarketplace the consenting users are 1, 2,
 * 3, 4, 7, 8 (six users).
 */
class HoldoutTest {

    private static final String MAILINGS = "small_holdout";
    private static final SparkSession SPARK = TestSpark.session();
    private static Marketplace marketplace;

    @BeforeAll
    static void open() {
        SmallMarketplace.open();
        marketplace = new Marketplace(SPARK, Tables.in(SmallMarketplace.DATABASE, MAILINGS), LocalDate.parse("2017-06-01"));
    }

    private static List<Long> ids(String table) {
        return SPARK.table(table).orderBy("user_id").collectAsList().stream().map(r -> r.getLong(0)).toList();
    }

    /** The held-out ids among user ids 1..n, computed by the holdout's own column (nothing written). */
    private static Set<Long> heldOut(double percent, String salt, long n) {
        AudienceWithHoldout holdout = marketplace.users().withPermissionToMailing().holdout(percent, salt);
        Dataset<Row> users = SPARK.range(1, n + 1).withColumnRenamed("id", "user_id");
        return new HashSet<>(users.where(holdout.heldOut()).collectAsList().stream().map(r -> r.getLong(0)).toList());
    }

    @Test
    void theListAndItsHoldoutSplitTheAudienceTheSameWayOnEveryRun() {
        AudienceWithHoldout split = marketplace.users().withPermissionToMailing().holdout(50, "spring");
        MailingList first = split.prepareForMailing("spring");
        List<Long> listed = ids(MAILINGS + ".spring");
        List<Long> held = ids(MAILINGS + ".spring_holdout");

        assertThat(listed).doesNotContainAnyElementsOf(held);
        // the consenting users but 7, who is on the suppression list: exported neither way
        assertThat(new HashSet<>(listed) {{ addAll(held); }}).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 8L);
        assertThat(held).isNotEmpty().hasSizeLessThan(6); // with this salt: some, not all
        assertThat(first.users()).isEqualTo(listed.size());
        assertThat(first.heldOut()).isEqualTo(held.size());
        assertThat(first.toString()).endsWith("; " + held.size() + " held out in small_holdout.spring_holdout");
        // count() is the audience less its held-out users (3 and 4 with this salt, see below); the list also
        // leaves out the suppressed user 7
        assertThat(first.suppressed()).isEqualTo(1);
        assertThat(split.count()).isEqualTo(listed.size() + first.suppressed());
        assertThat(SPARK.table(MAILINGS + ".spring_holdout").columns()).containsExactly("user_id", "first_name", "email", "postal_code");
        // held-out users were not mailed: only the list is in the history
        assertThat(SPARK.table(MAILINGS + ".mailing_history").where(col("mailing").equalTo("spring")).orderBy("user_id")
                .collectAsList().stream().map(r -> r.getLong(0)).toList()).isEqualTo(listed);

        MailingList second = marketplace.users().withPermissionToMailing().holdout(50, "spring").prepareForMailing("spring");
        assertThat(ids(MAILINGS + ".spring")).isEqualTo(listed);
        assertThat(ids(MAILINGS + ".spring_holdout")).isEqualTo(held);
        assertThat(second.heldOut()).isEqualTo(first.heldOut());
    }

    @Test
    void theShareIsNearThePercentAndAnotherSaltSplitsOtherwise() {
        // 10000 users: a 10% holdout is a binomial count, mean 1000, standard deviation 30; allow 5 of them
        Set<Long> spring = heldOut(10, "spring", 10_000);
        assertThat(spring.size()).isBetween(850, 1150);
        assertThat(heldOut(10, "spring", 10_000)).isEqualTo(spring);
        Set<Long> autumn = heldOut(10, "autumn", 10_000);
        assertThat(autumn.size()).isBetween(850, 1150);
        // independent splits share about 10% of 10% = 100 users; the same split would share all ~1000
        Set<Long> both = new HashSet<>(spring);
        both.retainAll(autumn);
        assertThat(both.size()).isBetween(40, 200);
        assertThat(heldOut(25, "spring", 10_000).size()).isBetween(2300, 2700);
        assertThat(heldOut(25, "spring", 10_000)).as("a larger share with the same salt keeps the smaller one's users").containsAll(spring);
    }

    @Test
    void theSplitIsTheDocumentedHashSoAnyImplementationAgrees() {
        // worked out apart from Spark, with a plain XXH64 (seed 42 for the salt's UTF-8 bytes, that hash as
        // the seed of the id's 8 little-endian bytes), then pmod 1000000 < percent * 10000
        assertThat(new java.util.TreeSet<>(heldOut(50, "spring", 40)))
                .containsExactly(3L, 4L, 5L, 9L, 10L, 13L, 14L, 16L, 19L, 20L, 24L, 25L, 27L, 29L, 31L, 32L, 34L, 35L, 40L);
        assertThat(heldOut(10, "spring", 40)).containsExactlyInAnyOrder(5L, 13L);
        assertThat(heldOut(10, "spring", 10_000)).hasSize(1041);
    }

    @Test
    void percentAndSaltAreCheckedWhereTheyAreGiven() {
        MailableAudience audience = marketplace.users().withPermissionToMailing();
        assertThatThrownBy(() -> audience.holdout(0, "spring")).isInstanceOf(AudienceException.class)
                .hasMessage("holdout: 'percent' is 0, but it must be above 0 and below 100 (the share of users kept out of the list), e.g. 10");
        assertThatThrownBy(() -> audience.holdout(100, "spring")).hasMessageStartingWith("holdout: 'percent' is 100, but it must be above 0 and below 100");
        assertThatThrownBy(() -> audience.holdout(-2.5, "spring")).hasMessageStartingWith("holdout: 'percent' is -2.5, but");
        assertThatThrownBy(() -> audience.holdout(Double.NaN, "spring")).hasMessageStartingWith("holdout: 'percent' is NaN, but");
        assertThatThrownBy(() -> audience.holdout(10, " ")).isInstanceOf(AudienceException.class)
                .hasMessage("holdout: 'salt' is blank; give a word that names this split, e.g. \"spring_campaign\" (the same salt holds out the same users)");
        assertThatThrownBy(() -> audience.holdout(10, null)).hasMessageStartingWith("holdout: 'salt' is missing;");
        assertThatThrownBy(() -> audience.holdout(10, "spring").prepareForMailing("bad name")).hasMessageStartingWith("prepareForMailing: 'name' \"bad name\"");
        assertThat(audience.holdout(12.5, "spring")).hasToString("users who gave permission to mailing; 12.5% of them, chosen by salt \"spring\","
                + " held out of the list and written beside it");
    }

    @Test
    void aSavedDefinitionEndsWithItsHoldout() {
        AudienceDefinition saved = AudienceDefinition.parse("users().withPermissionToMailing().livingNear(\"87-100\", 10).holdout(50, \"spring\");");
        assertThat(saved.endsWithHoldout()).isTrue();
        assertThat(saved.withHoldoutOn(marketplace).describe()).isEqualTo(marketplace.users().withPermissionToMailing().livingNear("87-100", 10)
                .holdout(50, "spring").describe());
        // read as a plain audience, the holdout would be silently lost: refused
        assertThatThrownBy(() -> saved.on(marketplace)).isInstanceOf(AudienceException.class)
                .hasMessage("holdout: this definition ends with holdout(50, \"spring\"), which only a mailing can have;"
                        + " the audience job prepares it, or remove the holdout to read the audience");
        assertThatThrownBy(() -> marketplace.parseForMailing("users().withPermissionToMailing().holdout(50, \"spring\")"))
                .hasMessageStartingWith("holdout: this definition ends with holdout(50, \"spring\")");
        assertThat(AudienceDefinition.parse("users().withPermissionToMailing()").endsWithHoldout()).isFalse();
    }

    @Test
    void holdoutOnlyEndsTheWholeConsentingAudience() {
        assertThatThrownBy(() -> AudienceDefinition.parse("users().livingNear(\"87-100\", 10).holdout(10, \"spring\")"))
                .isInstanceOf(AudienceException.class)
                .hasMessage("line 1, column 34: holdout(...) needs an audience whose every user agreed to mailings; add .withPermissionToMailing() before it");
        assertThatThrownBy(() -> AudienceDefinition.parse("users().withPermissionToMailing()\n  .holdout(10, \"spring\").livingNear(\"87-100\", 10)"))
                .hasMessage("line 2, column 25: holdout(...) ends the audience; no step may follow it");
        assertThatThrownBy(() -> AudienceDefinition.parse("users().withPermissionToMailing().and(users().holdout(10, \"spring\"))"))
                .hasMessage("line 1, column 47: holdout(...) can only end the whole audience, not a part inside and(...), or(...) or except(...)");
        assertThatThrownBy(() -> AudienceDefinition.parse("users().withPermissionToMailing().holdout(100, \"spring\")"))
                .hasMessageStartingWith("holdout: 'percent' is 100, but it must be above 0 and below 100");
        assertThatThrownBy(() -> AudienceDefinition.parse("users().withPermissionToMailing().holdout(10, \"\")"))
                .hasMessageStartingWith("holdout: 'salt' is blank;");
        assertThatThrownBy(() -> AudienceDefinition.parse("users().withPermissionToMailing().holdout(10)"))
                .hasMessage("line 1, column 45: expected ',' but found ')'");
        // an or with consent on both sides is a consenting audience
        assertThat(AudienceDefinition.parse("users().withPermissionToMailing().or(users().withPermissionToMailing()).holdout(10, \"spring\")")
                .endsWithHoldout()).isTrue();
    }
}
