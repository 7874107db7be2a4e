package dev.kindling.recommend;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log1p;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import java.io.IOException;
import java.time.LocalDate;
import java.util.Optional;

import dev.kindling.audience.MarketplaceSettings;
import dev.kindling.template.DataQualityException;
import dev.kindling.template.Job;
import dev.kindling.template.OptionRanges;
import dev.kindling.template.Preflight;
import dev.kindling.template.Publication;
import dev.kindling.template.RunContext;
import dev.kindling.template.Writes;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Fits a buyer x category recommendation model with Spark ML's ALS and publishes it as a new version of
 * a model; the version becomes current only when it is not worse than the current one on the same
 * held-out interactions (beyond --tolerance). A worse version is kept, for a look, and the run exits 3.
 *
 * <p>Explicit feedback, on log(1 + purchases) as the rating: RMSE, the gate's main metric, compares
 * predictions with observed values, which is meaningful only when predictions are on the ratings' scale;
 * implicit ALS predicts a preference in [0, 1] with confidence weights, which has no observed value to
 * compare with. Precision at k, the second metric, judges the ranking either way.
 */
@Command(name = "train",
        description = "Fit a buyer x category recommendation model (Spark ML ALS) on the marketplace's transactions up to the logical date,"
                + " evaluate it on held-out interactions and publish it under setting models.dir; it becomes current unless it is worse than the current model.")
public final class TrainJob implements Job {

    /** Salts the hash that holds out interactions, so the split is the same in every run and unlike the demo data's own hashes. */
    static final String SPLIT_SALT = "kindling-train-holdout";
    static final long SEED = 42L;

    @Writes(Writes.Kind.MODEL)
    @Option(names = "--name", defaultValue = "categories", paramLabel = "NAME",
            description = "The model's name: its folder under models.dir; letters, digits, '_' and '-'. Default: ${DEFAULT-VALUE}.")
    String name;

    @Option(names = "--rank", defaultValue = "10", paramLabel = "N", description = "Latent factors, 1 to 200. Default: ${DEFAULT-VALUE}.")
    int rank;

    @Option(names = "--iterations", defaultValue = "10", paramLabel = "N", description = "ALS iterations, 1 to 100. Default: ${DEFAULT-VALUE}.")
    int iterations;

    @Option(names = "--reg-param", defaultValue = "0.1", paramLabel = "X", description = "ALS regularisation, 0 to 1000. Default: ${DEFAULT-VALUE}.")
    double regParam;

    @Option(names = "--k", defaultValue = "5", paramLabel = "K", description = "k of the precision at k metric, 1 to 100. Default: ${DEFAULT-VALUE}.")
    int k;

    @Option(names = "--test-percent", defaultValue = "20", paramLabel = "P",
            description = "Percent of the interactions held out for evaluation, 1 to 50. Default: ${DEFAULT-VALUE}.")
    int testPercent;

    @Option(names = "--tolerance", defaultValue = "0.05", paramLabel = "X",
            description = "How much worse than the current model a new one may be and still become current, as a fraction (0.05: RMSE up to 5 percent higher,"
                    + " precision at k up to 5 percent lower), 0 to 1. Default: ${DEFAULT-VALUE}.")
    double tolerance;

    @Option(names = "--allow-older",
            description = "Make the new model current even if the current one is for a later logical date (a backfill of an old date otherwise keeps"
                    + " its version without making it current, exit 3).")
    boolean allowOlder;

    @Override
    public void checkOptions() {
        ModelName.check("--name", name);
        OptionRanges.requireWholeNumber("--rank", rank, 1, 200);
        OptionRanges.requireWholeNumber("--iterations", iterations, 1, 100);
        OptionRanges.requireWholeNumber("--k", k, 1, 100);
        OptionRanges.requireWholeNumber("--test-percent", testPercent, 1, 50);
        OptionRanges.requireNumber("--reg-param", regParam, 0, 1000);
        OptionRanges.requireNumber("--tolerance", tolerance, 0, 1);
    }

    @Override
    public void validate(Preflight preflight) {
        MarketplaceSettings.tables(preflight.settings());
    }

    /** The metrics of one model on the held-out interactions. */
    record Evaluation(double rmse, double precisionAtK) {
    }

    @Override
    public void run(RunContext context) throws Exception {
        Dataset<Row> interactions = Interactions.upTo(context, context.logicalDate())
                .withColumn("rating", log1p(col(Interactions.PURCHASES)).cast("float"))
                // held out by the marketplace's ids, so a pair stays on its side of the split as buyers come and go
                .withColumn("held_out", pmod(xxhash64(lit(SPLIT_SALT), col(Interactions.USER), col(Interactions.ITEM)), lit(100)).lt(testPercent));
        ModelStore store = new ModelStore(context.settings().get("models.dir"), name, context.spark().sparkContext().hadoopConfiguration());
        String version = store.version(context.logicalDate(), context.runId()).toString();
        context.outputs().publish(new NewVersion(context, store, interactions, version));
    }

    /**
     * A model as a publication: fitted, evaluated and written to a folder of its own (staged: no reader
     * takes a version that is not current), audited against the current model on this run's held-out
     * rows, then made current by replacing the pointer file in one rename. A version the audit refuses is
     * kept, for a look at why.
     */
    private final class NewVersion implements Publication<NewVersion.Candidate> {
        private final RunContext context;
        private final ModelStore store;
        private final Dataset<Row> interactions;
        private final String version;

        /** The written version, the held-out rows it was evaluated on (by the marketplace's ids), and the pointer as it was read after writing it. */
        private record Candidate(ModelStore.Current model, Dataset<Row> heldOut, Optional<ModelStore.Pointed> base) {
        }

        NewVersion(RunContext context, ModelStore store, Dataset<Row> interactions, String version) {
            this.context = context;
            this.store = store;
            this.interactions = interactions;
            this.version = version;
        }

        @Override
        public String plan() {
            return "fit ALS (rank " + rank + ", " + iterations + " iterations) on the interactions up to " + context.logicalDate()
                    + ", write the model to " + version + " and make it current in " + store.pointer() + " unless it is worse";
        }

        @Override
        public Candidate stage() throws IOException {
            DenseIds ids = DenseIds.of(interactions);
            // a fixed order: ALS sums each block's ratings in input order, so the same rows give the same factors
            Dataset<Row> training = ids.numbering(interactions.where(col("held_out").equalTo(false)))
                    .orderBy(Interactions.USER, Interactions.ITEM).cache();
            Dataset<Row> test = interactions.where(col("held_out")).cache();
            long trainingRows = training.count();
            long testRows = test.count();
            if (trainingRows == 0 || testRows == 0) {
                throw new DataQualityException("the marketplace has " + (trainingRows + testRows) + " buyer x category interactions up to " + context.logicalDate()
                        + " (" + trainingRows + " to train on, " + testRows + " held out): too few to fit and evaluate a model");
            }
            ALSModel model = new ALS().setRank(rank).setMaxIter(iterations).setRegParam(regParam).setSeed(SEED)
                    .setUserCol(Interactions.USER).setItemCol(Interactions.ITEM).setRatingCol("rating")
                    .setImplicitPrefs(false).setColdStartStrategy("drop")
                    .fit(training);
            Evaluation evaluation = evaluate(model, ids.numbering(test), k);
            context.metrics().set("training_rows", trainingRows);
            context.metrics().set("test_rows", testRows);
            context.metrics().set("rank", rank);
            context.metrics().set("rmse_millionths", Math.round(evaluation.rmse() * 1e6));
            context.metrics().set("precision_at_k_millionths", Math.round(evaluation.precisionAtK() * 1e6));
            context.log().info("model {} for {}: rank {}, {} training rows, RMSE {}, precision at {} {} on {} held-out interactions",
                    name, context.logicalDate(), rank, trainingRows, evaluation.rmse(), k, evaluation.precisionAtK(), testRows);

            model.write().save(version); // a folder of this attempt's own: a rerun never overwrites the version it would be compared with
            ids.save(version);
            context.log().info("model {} written to {}", name, version);
            return new Candidate(new ModelStore.Current(version, context.logicalDate().toString(), context.runId(),
                    evaluation.rmse(), evaluation.precisionAtK(), k, rank, trainingRows), test, store.pointed());
        }

        /**
         * A model for an earlier date than the current one's is not made current unless --allow-older; the
         * current model is judged on this run's held-out rows, so both numbers measure the same thing.
         */
        @Override
        public void audit(Candidate candidate) throws IOException {
            Optional<ModelStore.Current> current = candidate.base().map(ModelStore.Pointed::current);
            if (current.isEmpty()) {
                return;
            }
            if (!allowOlder && context.logicalDate().isBefore(LocalDate.parse(current.get().logicalDate()))) {
                context.metrics().set("made_current", 0);
                throw new DataQualityException("model " + name + " not made current: it is for " + context.logicalDate() + ", before the current version's "
                        + current.get().logicalDate() + " (--allow-older makes it current anyway); the new version is kept at " + version);
            }
            ALSModel currentModel = ALSModel.load(current.get().version());
            DenseIds currentIds = DenseIds.of(context.spark(), current.get().version(), currentModel.userFactors(), currentModel.itemFactors());
            Evaluation baseline = evaluate(currentModel, currentIds.numbering(candidate.heldOut()), k);
            context.metrics().set("current_rmse_millionths", Math.round(baseline.rmse() * 1e6));
            context.metrics().set("current_precision_at_k_millionths", Math.round(baseline.precisionAtK() * 1e6));
            String worse = worse(new Evaluation(candidate.model().rmse(), candidate.model().precisionAtK()), baseline, tolerance);
            if (worse != null) {
                context.metrics().set("made_current", 0);
                throw new DataQualityException("model " + name + " not made current: " + worse + " (current version " + current.get().version()
                        + "); the new version is kept at " + version);
            }
        }

        @Override
        public void publish(Candidate candidate) throws IOException {
            store.makeCurrent(candidate.model(), candidate.base().map(ModelStore.Pointed::sequence).orElse(0L));
            context.metrics().set("made_current", 1);
            context.log().info("model {} version {} is current ({})", name, version, store.pointer());
        }
    }

    /** Null when the candidate is good enough; otherwise the metric, both values and the tolerance, in one phrase. */
    static String worse(Evaluation candidate, Evaluation current, double tolerance) {
        if (candidate.rmse() > current.rmse() * (1 + tolerance)) {
            return String.format(java.util.Locale.ROOT, "RMSE %.6f is worse than the current model's %.6f by more than --tolerance %s",
                    candidate.rmse(), current.rmse(), tolerance);
        }
        if (candidate.precisionAtK() < current.precisionAtK() * (1 - tolerance)) {
            return String.format(java.util.Locale.ROOT, "precision at k %.6f is worse than the current model's %.6f by more than --tolerance %s",
                    candidate.precisionAtK(), current.precisionAtK(), tolerance);
        }
        return null;
    }

    /**
     * RMSE of the predicted ratings of held-out interactions (pairs whose user or item the model never saw
     * are dropped), and precision at k: of each held-out user's top k categories, the share that user
     * bought in the held-out rows, averaged over those users. Both rounded to 1e-9, to hide the last bits
     * of floating-point sums.
     */
    static Evaluation evaluate(ALSModel model, Dataset<Row> test, int k) {
        Dataset<Row> predicted = model.transform(test);
        double rmse = new RegressionEvaluator().setMetricName("rmse").setLabelCol("rating").setPredictionCol("prediction").evaluate(predicted);
        Dataset<Row> users = test.select(Interactions.USER).distinct();
        Dataset<Row> top = model.recommendForUserSubset(users, k)
                .select(col(Interactions.USER), explode(col("recommendations")).as("r"))
                .select(col(Interactions.USER), col("r." + Interactions.ITEM).as(Interactions.ITEM));
        long recommendedUsers = top.select(Interactions.USER).distinct().count();
        long hits = top.join(test, new String[] {Interactions.USER, Interactions.ITEM}, "inner").count();
        double precision = recommendedUsers == 0 ? 0 : (double) hits / ((double) k * recommendedUsers);
        return new Evaluation(round(rmse), round(precision));
    }

    private static double round(double value) {
        return Double.isNaN(value) ? value : Math.round(value * 1e9) / 1e9;
    }
}
