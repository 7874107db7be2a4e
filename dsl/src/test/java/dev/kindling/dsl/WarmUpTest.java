package dev.kindling.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.Test;

/** The shared server's warm-up on the hand-made marketplace of {@link SmallMarketplace}, timed by a clock of its own. */
class WarmUpTest {

    /** A clock that moves one second each time it is read. */
    private static LongSupplier secondPerRead() {
        AtomicLong now = new AtomicLong();
        return () -> now.getAndAdd(Duration.ofSeconds(1).toNanos());
    }

    @Test
    void asksEachKindOfQuestionOfTheMarketplaceUntilItsTimeIsUp() {
        Marketplace marketplace = SmallMarketplace.open();
        // read at the start (0 s); one of each kind is asked whatever the time, then the clock is read before each
        // further audience: 1, 2 and 3 s are within 3.5 s, 4 s is not; 5 s at the end
        WarmUp.Result result = WarmUp.run(marketplace, Duration.ofMillis(3500), secondPerRead());
        assertThat(result.stopped()).isNull();
        assertThat(result.audiences()).isEqualTo(6);
        assertThat(result.took()).isEqualTo(Duration.ofSeconds(5));
        assertThat(result).hasToString("6 audiences in 5.0 s");
    }

    @Test
    void asksEachKindOnceHoweverShortItsTime() {
        WarmUp.Result result = WarmUp.run(SmallMarketplace.open(), Duration.ofMillis(500), secondPerRead());
        assertThat(result.stopped()).isNull();
        assertThat(result.audiences()).isEqualTo(3);
        assertThat(result.took()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aMarketplaceWithoutDataIsNotWarmedAndSaysWhy() {
        Marketplace nowhere = new Marketplace(SmallMarketplace.open().spark(), Tables.in("no_such_marketplace", "no_such_mailings"));
        WarmUp.Result result = WarmUp.run(nowhere, Duration.ofSeconds(10), secondPerRead());
        assertThat(result.audiences()).isZero();
        assertThat(result.stopped()).startsWith("the marketplace has nothing to ask about: ").contains("no_such_marketplace");
        assertThat(result.toString()).startsWith("no warm-up after 1.0 s: the marketplace has nothing to ask about");
    }

    @Test
    void theBudgetIsChecked() {
        Marketplace marketplace = SmallMarketplace.open();
        assertThatThrownBy(() -> WarmUp.run(marketplace, Duration.ZERO))
                .isInstanceOf(AudienceException.class)
                .hasMessage("warm-up: 'budget' PT0S is not a positive duration");
        assertThatThrownBy(() -> WarmUp.run(marketplace, null)).hasMessage("warm-up: 'budget' null is not a positive duration");
    }
}
