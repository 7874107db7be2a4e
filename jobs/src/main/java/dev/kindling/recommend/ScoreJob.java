package dev.kindling.recommend;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.udf;

import dev.kindling.audience.MarketplaceSettings;
import dev.kindling.template.InvalidInputException;
import dev.kindling.template.Job;
import dev.kindling.template.OptionRanges;
import dev.kindling.template.Outputs.StagedPartition;
import dev.kindling.template.Preflight;
import dev.kindling.template.RunContext;
import dev.kindling.template.TableName;
import dev.kindling.template.Writes;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Writes each user's top N categories from the current model (see {@link TrainJob}) into the logical
 * date's partition of an Iceberg table, staged and published like a snapshot partition: readers see the old
 * rows or the new, and a rerun replaces them. With an experiment, users whose salted hash puts them in
 * the baseline arm get the N most bought categories instead; every row names its arm and model version.
 */
@Command(name = "score",
        description = "Write every user's top-N categories from the current model (setting models.dir) into the logical date's partition of an Iceberg table;"
                + " optionally an experiment serves a share of users from the model and the rest the most bought categories.")
public final class ScoreJob implements Job {

    static final String PARTITION = "ds";

    @Option(names = "--name", defaultValue = "categories", paramLabel = "NAME",
            description = "The model's name under models.dir, as given to train. Default: ${DEFAULT-VALUE}.")
    String name;

    @Writes(Writes.Kind.HIVE)
    @Option(names = "--table", defaultValue = "recommendations.top_categories", paramLabel = "DB.TABLE", converter = TableName.QualifiedConverter.class,
            description = "The Iceberg table of recommendations, partitioned by ds. Default: ${DEFAULT-VALUE}.")
    TableName table;

    @Option(names = "--top", defaultValue = "10", paramLabel = "N", description = "Recommendations per user, 1 to 100. Default: ${DEFAULT-VALUE}.")
    int top;

    @Option(names = "--experiment-salt", paramLabel = "S",
            description = "Run an experiment: users are split between the model and the baseline by a hash of this salt and their id.")
    String experimentSalt;

    @Option(names = "--experiment-share", paramLabel = "P",
            description = "With --experiment-salt: the share of users served by the model, from 0 to 1; the others get the baseline.")
    Double experimentShare;

    @Override
    public void checkOptions() {
        ModelName.check("--name", name);
        OptionRanges.requireWholeNumber("--top", top, 1, 100);
        if ((experimentSalt == null) != (experimentShare == null)) {
            throw new InvalidInputException(experimentSalt == null
                    ? "--experiment-share " + experimentShare + " needs --experiment-salt: give both or neither"
                    : "--experiment-salt '" + experimentSalt + "' needs --experiment-share: give both or neither");
        }
        if (experimentSalt != null) {
            if (experimentSalt.isBlank()) {
                throw new InvalidInputException("--experiment-salt '" + experimentSalt + "' is blank: use a non-empty text, e.g. the experiment's name");
            }
            OptionRanges.requireNumber("--experiment-share", experimentShare, 0, 1);
        }
    }

    @Override
    public void validate(Preflight preflight) {
        MarketplaceSettings.tables(preflight.settings());
    }

    @Override
    public void run(RunContext context) throws Exception {
        ModelStore store = new ModelStore(context.settings().get("models.dir"), name, context.spark().sparkContext().hadoopConfiguration());
        ModelStore.Current current = store.current().orElseThrow(() -> new InvalidInputException("model " + name + " has no current version: no "
                + store.pointer() + "; run train first (or check setting models.dir)"));
        ALSModel model = ALSModel.load(current.version());
        context.log().info("scoring with model {} version {} (trained for {})", name, current.version(), current.logicalDate());

        DenseIds ids = DenseIds.of(context.spark(), current.version(), model.userFactors(), model.itemFactors());

        // the model's numbers of its users, with their marketplace ids: the experiment's arm goes by the id
        Dataset<Row> users = model.userFactors().select(col("id").as("user_number"))
                .join(ids.users().withColumnRenamed(DenseIds.NUMBER, "user_number").withColumnRenamed(DenseIds.ID, Interactions.USER), "user_number");
        String salt = experimentSalt;
        double share = experimentShare == null ? 1.0 : experimentShare;
        UDF1<Long, String> assign = user -> salt == null ? Experiment.MODEL : Experiment.arm(salt, share, user);
        users = users.withColumn("arm", udf(assign, DataTypes.StringType).apply(col(Interactions.USER)));

        Dataset<Row> categories = ids.categories().withColumnRenamed(DenseIds.NUMBER, "item_number").withColumnRenamed(DenseIds.ID, Interactions.ITEM);
        Dataset<Row> fromModel = model.recommendForUserSubset(users.where(col("arm").equalTo(Experiment.MODEL)).select(col("user_number").as(Interactions.USER)), top)
                .select(col(Interactions.USER).as("user_number"), explode(col("recommendations")).as("r"))
                .select(col("user_number"), col("r." + Interactions.ITEM).as("item_number"), col("r.rating").cast("double").as("score"))
                .join(users.select("user_number", Interactions.USER), "user_number")
                .join(categories, "item_number")
                .select(col(Interactions.USER), col(Interactions.ITEM), col("score"), lit(Experiment.MODEL).as("arm"));
        // the baseline: the most bought categories up to the logical date, the same list for everyone
        Dataset<Row> popular = Interactions.upTo(context, context.logicalDate())
                .groupBy(Interactions.ITEM).agg(org.apache.spark.sql.functions.sum(Interactions.PURCHASES).cast("double").as("score"))
                .orderBy(col("score").desc(), col(Interactions.ITEM)).limit(top);
        Dataset<Row> fromBaseline = users.where(col("arm").equalTo(Experiment.BASELINE)).select(Interactions.USER).crossJoin(popular)
                .select(col(Interactions.USER), col(Interactions.ITEM), col("score"), lit(Experiment.BASELINE).as("arm"));

        Dataset<Row> rows = fromModel.unionByName(fromBaseline)
                .withColumn("position", row_number().over(Window.partitionBy(Interactions.USER).orderBy(col("score").desc(), col(Interactions.ITEM))))
                .select(col(Interactions.USER).cast("bigint").as(Interactions.USER), col(Interactions.ITEM), col("position"), col("score"), col("arm"),
                        lit(current.version()).as("model_version"));
        StagedPartition staged = context.outputs().stagePartition(table, PARTITION, context.logicalDate().toString(), rows);
        context.metrics().set("rows_read", staged.rowsRead());
        context.metrics().set("rows_written", staged.rowsWritten());
        staged.publish();
    }
}
