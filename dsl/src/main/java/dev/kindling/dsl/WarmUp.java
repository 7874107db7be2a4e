package dev.kindling.dsl;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;

import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

import org.apache.spark.sql.Row;

/**
 * Asks a marketplace the kinds of questions analysts ask, again and again for a while, so that a
 * Spark server that has just started has compiled the code those questions take (Spark's planner and
 * the generated code of scans, aggregations and joins, in the server's JVM and its executor's) before
 * the first analyst waits for it. On 2 cores a fresh Spark Connect server spends about half its CPU on
 * the JVM's compilers during its first minutes: the README's example took 0.9 s there after 3 questions,
 * 0.72 s after 40 and 0.37 s after 150 (docs/benchmarks.md, "Audience DSL").
 *
 * <p>The questions are built from the marketplace's own data (its first top-level category and postal
 * code, its last 20 days of transactions), so it works on any marketplace; one that has no such data
 * is not warmed, and that is said, not thrown.
 */
public final class WarmUp {

    /** What a warm-up did: how many audiences it asked in how long, and why it stopped early (null when its time was up). */
    public record Result(int audiences, Duration took, String stopped) {

        public Result {
            Objects.requireNonNull(took, "took");
        }

        @Override
        public String toString() {
            String seconds = String.format(java.util.Locale.ROOT, "%.1f s", took.toMillis() / 1000.0);
            if (stopped == null) {
                return audiences + " audiences in " + seconds;
            }
            return audiences == 0 ? "no warm-up after " + seconds + ": " + stopped : audiences + " audiences in " + seconds + ", then stopped: " + stopped;
        }
    }

    private WarmUp() {
    }

    /**
     * Asks audiences until {@code budget} has passed (the one under way is finished), and each kind at least once,
     * however long the first answers take (a cold server's are the slowest, and what it compiles for them is the
     * point); never throws for the data's sake.
     */
    public static Result run(Marketplace marketplace, Duration budget) {
        return run(marketplace, budget, System::nanoTime);
    }

    static Result run(Marketplace marketplace, Duration budget, LongSupplier nanoClock) {
        Objects.requireNonNull(marketplace, "marketplace");
        if (budget == null || budget.isNegative() || budget.isZero()) {
            throw new AudienceException("warm-up: 'budget' " + budget + " is not a positive duration");
        }
        long started = nanoClock.getAsLong();
        List<Runnable> questions;
        try {
            questions = questions(marketplace);
        } catch (Exception e) { // Spark's AnalysisException is checked, though Scala throws it undeclared
            return new Result(0, Duration.ofNanos(nanoClock.getAsLong() - started), "the marketplace has nothing to ask about: " + firstLine(e));
        }
        int asked = 0;
        try {
            while (asked < questions.size() || nanoClock.getAsLong() - started < budget.toNanos()) {
                questions.get(asked % questions.size()).run();
                asked++;
            }
        } catch (Exception e) { // the server went away, say: what was compiled stays compiled
            return new Result(asked, Duration.ofNanos(nanoClock.getAsLong() - started), firstLine(e));
        }
        return new Result(asked, Duration.ofNanos(nanoClock.getAsLong() - started), null);
    }

    /** The README's example (collected), a count and a breakdown: a scan, aggregation and join of each source, as analysts' questions have. */
    private static List<Runnable> questions(Marketplace marketplace) {
        Tables tables = marketplace.tables();
        String category = marketplace.topLevelCategories().values().stream().sorted().findFirst()
                .orElseThrow(() -> new AudienceException("no category in " + tables.categories()));
        String postalCode = marketplace.locatedPostalCodes().stream().sorted().findFirst()
                .orElseThrow(() -> new AudienceException("no postal code with a centroid in " + tables.postalCodes()));
        Row latest = marketplace.spark().table(tables.transactions()).agg(max(col(Tables.TRANSACTION_DATE)).cast("string")).first();
        if (latest.isNullAt(0)) {
            throw new AudienceException("no transaction in " + tables.transactions());
        }
        LocalDate last = LocalDate.parse(latest.getString(0));
        Period period = new Period(last.minusDays(19), last);
        return List.of(
                () -> marketplace.users().withPermissionToMailing().soldAtLeast(4, category, period).livingNear(postalCode, 10)
                        .toDataset().select(Tables.USER_ID).collectAsList(),
                () -> marketplace.users().withPermissionToMailing().boughtAtLeast(1, category, period).count(),
                () -> marketplace.users().withPermissionToMailing().spentAtLeast(100, category, period).by("city"));
    }

    private static String firstLine(Exception e) {
        String message = String.valueOf(e.getMessage());
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
