package dev.kindling.recommend;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;

/**
 * The buyer and category ids a model knows, numbered 0, 1, 2, ... in id order: Spark's ALS takes int
 * ids only, and marketplace ids are 64-bit (a cast would fail past 2^31 with ANSI on, and wrap onto other
 * users with it off). Saved with the model version ({@code <version>/ids/users}, {@code .../categories}),
 * so score maps a version's numbers back to the ids it was trained on.
 */
record DenseIds(Dataset<Row> users, Dataset<Row> categories) {

    /** Columns of each mapping: the marketplace's id, and the model's number for it. */
    static final String ID = "id";
    static final String NUMBER = "number";

    /** The mappings of the ids in these interactions (columns {@link Interactions#USER} and {@link Interactions#ITEM}, 64-bit). */
    static DenseIds of(Dataset<Row> interactions) {
        return new DenseIds(numbered(interactions.select(col(Interactions.USER).as(ID))),
                numbered(interactions.select(col(Interactions.ITEM).as(ID))));
    }

    private static Dataset<Row> numbered(Dataset<Row> ids) {
        // one ordered pass over the distinct ids: a few million at most for a marketplace's buyers
        return ids.distinct().withColumn(NUMBER, row_number().over(Window.orderBy(ID)).minus(lit(1)).cast("int")).cache();
    }

    /** The interactions with each id replaced by its number, under the same column names. */
    Dataset<Row> numbering(Dataset<Row> interactions) {
        return interactions
                .join(users.withColumnRenamed(ID, Interactions.USER).withColumnRenamed(NUMBER, "user_number"), Interactions.USER)
                .join(categories.withColumnRenamed(ID, Interactions.ITEM).withColumnRenamed(NUMBER, "item_number"), Interactions.ITEM)
                .withColumn(Interactions.USER, col("user_number")).withColumn(Interactions.ITEM, col("item_number"))
                .drop("user_number", "item_number");
    }

    void save(String version) {
        users.write().parquet(version + "/ids/users");
        categories.write().parquet(version + "/ids/categories");
    }

    /**
     * A version's mappings; a version trained before ids were numbered used the ids themselves, which an
     * identity mapping of the model's own numbers gives back.
     */
    static DenseIds of(SparkSession spark, String version, Dataset<Row> userFactors, Dataset<Row> itemFactors) throws java.io.IOException {
        Path saved = new Path(version, "ids");
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        if (saved.getFileSystem(conf).exists(saved)) {
            return new DenseIds(spark.read().parquet(version + "/ids/users"), spark.read().parquet(version + "/ids/categories"));
        }
        return new DenseIds(userFactors.select(col("id").cast("bigint").as(ID), col("id").as(NUMBER)),
                itemFactors.select(col("id").cast("bigint").as(ID), col("id").as(NUMBER)));
    }
}
