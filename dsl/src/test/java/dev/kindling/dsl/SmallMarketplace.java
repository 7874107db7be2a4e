package dev.kindling.dsl;

import java.sql.Date;
import java.util.ArrayList;
import java.util.List;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import dev.kindling.testing.TestSpark;

/**
 * A hand-made marketplace with known answers, in database {@value #DATABASE}. Around Toruń (87-100):
 * 87-101 is exactly 10 km north, 87-103 is 9.99 km north, 87-102 is 10.5 km north.
 * <pre>
 * user  postal   consent  registered   sold in 2017-01-01..20 (category)             bought
 * 1     87-100   yes      2016-05-01   4: Sports, Cycling, Bikes, Running             -
 * 2     87-101   yes      2016-12-31   3: Sports (+1 on 2016-12-31, +1 on 2017-01-21)  5 (from 3)
 * 3     87-102   yes      2017-01-01   5: Bikes                                       -
 * 4     00-001   yes      2017-01-20   4: Phones                                      -
 * 5     87-100   no       2017-01-21   4: Sports                                      -
 * 6     87-100   null     2016-01-01   4: Sports                                      -
 * 7     87-103   yes      2015-03-03   nothing                                        nothing
 * 8     99-999*  yes      2016-02-02   nothing                                        every other sale
 * * 99-999 is not in the postal codes table.
 Cities: 87-100..87-103 are Toruń, 00-001 is Warszawa. Top-level categories: Sports (Cycling, Bikes,
 Running below it), Electronics (Phones). Every buyer above is user 8, so user 8 bought in Sports and
 Electronics in 2017-01-01..20, and Sports alone on 2016-12-31 and 2017-01-21 (from user 2).
 * </pre>
 * The suppression list (table suppressions): user 7 unsubscribed (2017-02-01) and then asked to be
 * forgotten (2017-03-01), two rows; user 5 (no consent anyway) asked to be forgotten; user 42 is no
 * longer a user. So every mailing list leaves out user 7 only: users().withPermissionToMailing()
 * .livingNear("87-100", 10) is users 1, 2, 7 as an audience, and its mailing list is users 1 and 2,
 * with 1 suppressed.
 */
final class SmallMarketplace {

    static final String DATABASE = "small";
    static final Tables TABLES = Tables.in(DATABASE, "small_mailings");
    static final double TORUN_LATITUDE = 53.0138;
    static final double TORUN_LONGITUDE = 18.5984;

    private static Marketplace marketplace;

    private SmallMarketplace() {
    }

    /** Creates the tables once per JVM and makes them the marketplace of users(). */
    static synchronized Marketplace open() {
        SparkSession spark = TestSpark.session();
        if (marketplace == null) {
            create(spark);
            marketplace = new Marketplace(spark, TABLES);
        }
        Audiences.use(spark, TABLES);
        return marketplace;
    }

    private static void create(SparkSession spark) {
        spark.sql("DROP DATABASE IF EXISTS " + DATABASE + " CASCADE");
        spark.sql("CREATE DATABASE " + DATABASE);
        save(spark, "categories", "category_id INT, name STRING, parent_id INT", List.of(
                RowFactory.create(1, "Sports", null), RowFactory.create(2, "Cycling", 1), RowFactory.create(3, "Bikes", 2),
                RowFactory.create(4, "Running", 1), RowFactory.create(5, "Electronics", null), RowFactory.create(6, "Phones", 5)));
        save(spark, "postal_codes", "postal_code STRING, city STRING, latitude DOUBLE, longitude DOUBLE", List.of(
                RowFactory.create("87-100", "Toruń", TORUN_LATITUDE, TORUN_LONGITUDE),
                RowFactory.create("87-101", "Toruń", northOfTorun(10.0), TORUN_LONGITUDE),
                RowFactory.create("87-102", "Toruń", northOfTorun(10.5), TORUN_LONGITUDE),
                RowFactory.create("87-103", "Toruń", northOfTorun(9.99), TORUN_LONGITUDE),
                RowFactory.create("00-001", "Warszawa", 52.2297, 21.0122)));
        save(spark, "users", "user_id BIGINT, first_name STRING, email STRING, postal_code STRING, mailing_consent BOOLEAN, registered_on DATE", List.of(
                user(1, "Ala", "87-100", true, "2016-05-01"), user(2, "Bartek", "87-101", true, "2016-12-31"),
                user(3, "Celina", "87-102", true, "2017-01-01"), user(4, "Darek", "00-001", true, "2017-01-20"),
                user(5, "Ewa", "87-100", false, "2017-01-21"), user(6, "Filip", "87-100", null, "2016-01-01"),
                user(7, "Gosia", "87-103", true, "2015-03-03"), user(8, "Henryk", "99-999", true, "2016-02-02")));
        save(spark, "suppressions", "user_id BIGINT, reason STRING, since DATE", List.of(
                RowFactory.create(7L, "unsubscribed", Date.valueOf("2017-02-01")), RowFactory.create(7L, "forgotten", Date.valueOf("2017-03-01")),
                RowFactory.create(5L, "forgotten", Date.valueOf("2017-02-10")), RowFactory.create(42L, "forgotten", Date.valueOf("2016-06-01"))));
        List<Row> sales = new ArrayList<>();
        sale(sales, 1, 8, 1, "2017-01-01");
        sale(sales, 1, 8, 2, "2017-01-20");
        sale(sales, 1, 8, 3, "2017-01-10");
        sale(sales, 1, 8, 4, "2017-01-10");
        for (String day : List.of("2016-12-31", "2017-01-02", "2017-01-03", "2017-01-04", "2017-01-21")) {
            sale(sales, 2, 8, 1, day);
        }
        for (int i = 0; i < 5; i++) {
            sale(sales, 3, 2, 3, "2017-01-1" + i);
        }
        for (int seller : List.of(4, 5, 6)) {
            for (int i = 0; i < 4; i++) {
                sale(sales, seller, 8, seller == 4 ? 6 : 1, "2017-01-0" + (i + 5));
            }
        }
        spark.createDataFrame(sales, StructType.fromDDL("transaction_id BIGINT, seller_id BIGINT, buyer_id BIGINT, category_id INT, amount DOUBLE, transaction_date DATE"))
                .write().format("parquet").partitionBy("transaction_date").saveAsTable(DATABASE + ".transactions");
    }

    /** A latitude whose point is exactly km north of Toruń's centre along its meridian. */
    static double northOfTorun(double km) {
        return TORUN_LATITUDE + Math.toDegrees(km / GreatCircle.EARTH_RADIUS_KM);
    }

    private static Row user(long id, String name, String postalCode, Boolean consent, String registered) {
        return RowFactory.create(id, name, name.toLowerCase() + "@example.com", postalCode, consent, Date.valueOf(registered));
    }

    private static void sale(List<Row> sales, long seller, long buyer, int category, String day) {
        sales.add(RowFactory.create((long) sales.size() + 1, seller, buyer, category, 9.99, Date.valueOf(day)));
    }

    private static void save(SparkSession spark, String table, String ddl, List<Row> rows) {
        spark.createDataFrame(rows, StructType.fromDDL(ddl)).write().format("parquet").saveAsTable(DATABASE + "." + table);
    }
}
