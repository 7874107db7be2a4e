package dev.kindling.dsl;

import java.math.BigDecimal;
import java.sql.Date;
import java.util.ArrayList;
import java.util.List;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import dev.kindling.testing.TestSpark;

/**
 * A second hand-made marketplace, for the buying steps, in database {@value #DATABASE}: the
 * categories and postal codes of {@link SmallMarketplace} (Sports > Cycling > Bikes, Sports > Running,
 * Electronics > Phones), six users, and purchases whose answers are worked out below. User 5 is the seller of every
 * transaction and never buys. The same rows are stored twice: {@code transactions} with a DOUBLE amount
 * (as in SmallMarketplace) and {@code transactions_decimal} with DECIMAL(10,2) (as in the demo data).
 * <pre>
 * user  consent  purchases (category, amount, day)                               in Sports in March 2017
 * 1     yes      Bikes 0.70 on 03-01, Running 0.10 on 03-31, Phones 5.00 on 04-02   2 purchases, 0.80; latest 04-02
 * 2     no       Sports 10.00 on 02-28, Phones 1.00 on 03-15, Sports 20.00 on 04-01 none; latest 04-01
 * 3     yes      Cycling 9.99 on 03-05, 03-06 and 03-07                          3 purchases, 29.97; latest 03-07
 * 4     yes      nothing                                                          none; never bought
 * 5     null     nothing (sold all of the above)                                  none; never bought
 * 6     yes      Sports 12.50 on 01-15                                            none; latest 01-15
 * </pre>
 * In doubles 0.70 + 0.10 is 0.7999999999999999, below 0.8: user 1 tests that sums are exact.
 */
final class BuyingMarketplace {

    static final String DATABASE = "buying";
    static final Period MARCH = Period.parse("2017-03-01", "2017-03-31");

    private static Marketplace withDoubles;
    private static Marketplace withDecimals;

    private BuyingMarketplace() {
    }

    /** The marketplace whose amounts are DOUBLE; creates the tables once per JVM. */
    static synchronized Marketplace open() {
        if (withDoubles == null) {
            SmallMarketplace.open(); // its categories and postal codes
            SparkSession spark = TestSpark.session();
            create(spark);
            withDoubles = new Marketplace(spark, tables("transactions"));
            withDecimals = new Marketplace(spark, tables("transactions_decimal"));
        }
        return withDoubles;
    }

    /** The same marketplace whose amounts are DECIMAL(10,2). */
    static synchronized Marketplace openWithDecimals() {
        open();
        return withDecimals;
    }

    private static Tables tables(String transactions) {
        Tables small = SmallMarketplace.TABLES;
        return new Tables(DATABASE + ".users", DATABASE + "." + transactions, small.categories(), small.postalCodes(), "buying_mailings", small.suppressions(), Tables.SUPPRESSIONS_MAX_LOSS_PERCENT);
    }

    private static void create(SparkSession spark) {
        spark.sql("DROP DATABASE IF EXISTS " + DATABASE + " CASCADE");
        spark.sql("CREATE DATABASE " + DATABASE);
        spark.createDataFrame(List.of(user(1, "Adam", true), user(2, "Basia", false), user(3, "Cezary", true),
                user(4, "Dorota", true), user(5, "Edek", null), user(6, "Fela", true)),
                StructType.fromDDL("user_id BIGINT, first_name STRING, email STRING, postal_code STRING, mailing_consent BOOLEAN, registered_on DATE"))
                .write().format("parquet").saveAsTable(DATABASE + ".users");
        List<Object[]> purchases = List.of(
                purchase(1, 3, "0.70", "2017-03-01"), purchase(1, 4, "0.10", "2017-03-31"), purchase(1, 6, "5.00", "2017-04-02"),
                purchase(2, 1, "10.00", "2017-02-28"), purchase(2, 6, "1.00", "2017-03-15"), purchase(2, 1, "20.00", "2017-04-01"),
                purchase(3, 2, "9.99", "2017-03-05"), purchase(3, 2, "9.99", "2017-03-06"), purchase(3, 2, "9.99", "2017-03-07"),
                purchase(6, 1, "12.50", "2017-01-15"));
        for (String type : List.of("DOUBLE", "DECIMAL(10,2)")) {
            List<Row> rows = new ArrayList<>();
            for (Object[] p : purchases) {
                BigDecimal amount = (BigDecimal) p[3];
                rows.add(RowFactory.create((long) rows.size() + 1, 5L, p[1], p[2], type.equals("DOUBLE") ? amount.doubleValue() : amount, p[4]));
            }
            spark.createDataFrame(rows, StructType.fromDDL("transaction_id BIGINT, seller_id BIGINT, buyer_id BIGINT, category_id INT, amount "
                    + type + ", transaction_date DATE")).write().format("parquet").partitionBy("transaction_date")
                    .saveAsTable(DATABASE + (type.equals("DOUBLE") ? ".transactions" : ".transactions_decimal"));
        }
    }

    private static Object[] purchase(long buyer, int category, String amount, String day) {
        return new Object[] {null, buyer, category, new BigDecimal(amount), Date.valueOf(day)};
    }

    private static Row user(long id, String name, Boolean consent) {
        return RowFactory.create(id, name, name.toLowerCase() + "@example.com", "87-100", consent, Date.valueOf("2016-01-01"));
    }
}
