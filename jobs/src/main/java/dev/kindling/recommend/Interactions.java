package dev.kindling.recommend;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import java.time.LocalDate;

import dev.kindling.audience.MarketplaceSettings;
import dev.kindling.template.InvalidInputException;
import dev.kindling.template.RunContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The marketplace's buyer x category interactions up to a logical date: one row per (user, item) with
 * the number of purchases (ids as the marketplace has them, 64-bit), from the transactions table of setting marketplace.database. Only days up
 * to the logical date count, so a rerun of a date sees the same rows however much data came later.
 */
final class Interactions {

    static final String USER = "user_id";
    static final String ITEM = "category_id";
    static final String PURCHASES = "purchases";

    private Interactions() {
    }

    static Dataset<Row> upTo(RunContext context, LocalDate logicalDate) {
        String transactions = MarketplaceSettings.tables(context.settings()).transactions();
        if (!context.spark().catalog().tableExists(transactions)) {
            throw new InvalidInputException("setting marketplace.database '" + context.settings().get("marketplace.database")
                    + "' has no table transactions: fill it (bin/kindling demo-data) or point the setting at the marketplace");
        }
        return context.spark().table(transactions)
                .where(col("transaction_date").leq(lit(java.sql.Date.valueOf(logicalDate))))
                .groupBy(col("buyer_id").cast("bigint").as(USER), col("category_id").cast("bigint").as(ITEM))
                .agg(count(lit(1)).as(PURCHASES));
    }
}
