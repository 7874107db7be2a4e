package dev.kindling.demodata;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * A synthetic marketplace in the tables the audience DSL reads. The same seed and sizes give the
 * same data: every random choice is a hash of the row id and the seed, not a random generator whose
 * output depends on how Spark splits the work.
 * <ul>
 * <li>postal codes NN-NNN around 20 Polish cities, up to 100 per city within ~15 km of its centre
 *     (the first code of each city is its centre, e.g. 87-100 is Toruń);</li>
 * <li>a category tree three levels deep ("Sports" &gt; "Cycling" &gt; "Bikes");</li>
 * <li>users with a home postal code, a first name, mailing consent (about 60%) and a registration day;</li>
 * <li>a year of transactions from the first day: one seller in ten sells, mostly in a favourite
 *     category; any user buys;</li>
 * <li>a suppression list: one user in a hundred, whatever their consent, unsubscribed (two in three)
 *     or asked to be forgotten, on a day of that year.</li>
 * </ul>
 */
final class SyntheticMarketplace {

    record City(String codePrefix, String name, double latitude, double longitude) {
    }

    static final List<City> CITIES = List.of(
            new City("00-0", "Warszawa", 52.2297, 21.0122), new City("30-0", "Kraków", 50.0647, 19.9450),
            new City("90-0", "Łódź", 51.7592, 19.4560), new City("50-0", "Wrocław", 51.1079, 17.0385),
            new City("60-0", "Poznań", 52.4064, 16.9252), new City("80-0", "Gdańsk", 54.3520, 18.6466),
            new City("70-0", "Szczecin", 53.4285, 14.5528), new City("85-0", "Bydgoszcz", 53.1235, 18.0084),
            new City("20-0", "Lublin", 51.2465, 22.5684), new City("15-0", "Białystok", 53.1325, 23.1688),
            new City("40-0", "Katowice", 50.2649, 19.0238), new City("81-0", "Gdynia", 54.5189, 18.5305),
            new City("87-1", "Toruń", 53.0138, 18.5984), new City("10-0", "Olsztyn", 53.7784, 20.4801),
            new City("35-0", "Rzeszów", 50.0412, 21.9991), new City("25-0", "Kielce", 50.8661, 20.6286),
            new City("45-0", "Opole", 50.6751, 17.9213), new City("65-0", "Zielona Góra", 51.9356, 15.5062),
            new City("26-6", "Radom", 51.4027, 21.1471), new City("42-2", "Częstochowa", 50.8118, 19.1203));

    /** id, name, parent id (0: none). Leaves are what is sold. */
    private static final Object[][] CATEGORIES = {
        {1, "Sports", 0}, {2, "Cycling", 1}, {3, "Bikes", 2}, {4, "Helmets", 2}, {5, "Running", 1}, {6, "Football", 1},
        {7, "Swimming", 1}, {8, "Electronics", 0}, {9, "Phones", 8}, {10, "Laptops", 8}, {11, "Audio", 8},
        {12, "Headphones", 11}, {13, "Speakers", 11}, {14, "Home", 0}, {15, "Kitchen", 14}, {16, "Garden", 14},
        {17, "Furniture", 14}, {18, "Fashion", 0}, {19, "Shoes", 18}, {20, "Women", 18}, {21, "Men", 18},
        {22, "Books", 0}, {23, "Toys", 0}};

    private static final String[] FIRST_NAMES = {"Anna", "Piotr", "Maria", "Krzysztof", "Katarzyna", "Andrzej", "Małgorzata",
        "Tomasz", "Agnieszka", "Paweł", "Barbara", "Michał", "Ewa", "Marcin", "Zofia", "Jakub", "Julia", "Kamil", "Ola", "Marek"};

    static final int DAYS = 365;
    static final int SUPPRESSED_PER = 100;
    private static final double CITY_RADIUS_KM = 15;

    private final SparkSession spark;
    private final long seed;

    SyntheticMarketplace(SparkSession spark, long seed) {
        this.spark = spark;
        this.seed = seed;
    }

    Dataset<Row> categories() {
        List<Row> rows = new ArrayList<>();
        for (Object[] c : CATEGORIES) {
            rows.add(RowFactory.create(c[0], c[1], (int) c[2] == 0 ? null : c[2]));
        }
        return spark.createDataFrame(rows, StructType.fromDDL("category_id INT, name STRING, parent_id INT"));
    }

    Dataset<Row> postalCodes(int perCity) {
        Random random = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (City city : CITIES) {
            for (int i = 0; i < perCity; i++) {
                // uniform over a disc: distance grows with the square root
                double km = i == 0 ? 0 : CITY_RADIUS_KM * Math.sqrt(random.nextDouble());
                double bearing = 2 * Math.PI * random.nextDouble();
                double latitude = city.latitude() + Math.toDegrees(km * Math.cos(bearing) / 6371.0);
                double longitude = city.longitude() + Math.toDegrees(km * Math.sin(bearing) / 6371.0 / Math.cos(Math.toRadians(city.latitude())));
                rows.add(RowFactory.create(city.codePrefix() + String.format("%02d", i), city.name(), round(latitude), round(longitude)));
            }
        }
        return spark.createDataFrame(rows, StructType.fromDDL("postal_code STRING, city STRING, latitude DOUBLE, longitude DOUBLE"));
    }

    Dataset<Row> users(long count, Dataset<Row> postalCodes, LocalDate firstDay) {
        List<Row> codes = postalCodes.select("postal_code").orderBy("postal_code").collectAsList();
        List<Row> indexed = new ArrayList<>();
        for (int i = 0; i < codes.size(); i++) {
            indexed.add(RowFactory.create(i, codes.get(i).getString(0)));
        }
        Dataset<Row> homes = spark.createDataFrame(indexed, StructType.fromDDL("home INT, postal_code STRING"));
        Column firstName = element_at(namesArray(), pick("name", col("id"), FIRST_NAMES.length).plus(1).cast("int"));
        return spark.range(count)
                .withColumn("home", pick("home", col("id"), codes.size()).cast("int"))
                .join(broadcast(homes), "home")
                .select(col("id").plus(1).as("user_id"),
                        firstName.as("first_name"),
                        concat(lower(firstName), lit("."), col("id").plus(1), lit("@example.com")).as("email"),
                        col("postal_code"),
                        pick("consent", col("id"), 100).lt(60).as("mailing_consent"),
                        // registered during the three years before the first day, or during the year itself
                        date_add(lit(Date.valueOf(firstDay.minusYears(3))), pick("registered", col("id"), 4 * DAYS).cast("int")).as("registered_on"));
    }

    Dataset<Row> transactions(long count, long users, LocalDate firstDay) {
        long sellers = Math.max(1, users / 10);
        int leaves = leafIds().length;
        Column seller = pick("seller", col("id"), sellers).multiply(10).plus(1);
        Column favourite = pick("favourite", seller, leaves);
        Column category = when(pick("loyal", col("id"), 10).lt(8), favourite).otherwise(pick("category", col("id"), leaves));
        return spark.range(count).select(
                col("id").plus(1).as("transaction_id"),
                seller.as("seller_id"),
                pick("buyer", col("id"), users).plus(1).as("buyer_id"),
                element_at(leafArray(), category.plus(1).cast("int")).as("category_id"),
                pick("amount", col("id"), 50_000).plus(500).divide(100).cast("decimal(10,2)").as("amount"),
                date_add(lit(Date.valueOf(firstDay)), pick("day", col("id"), DAYS).cast("int")).as("transaction_date"));
    }

    /** One user in {@value #SUPPRESSED_PER} (the same ones for the same seed), each with a reason and a day of the year. */
    Dataset<Row> suppressions(long users, LocalDate firstDay) {
        return spark.range(users)
                .where(pick("suppressed", col("id"), SUPPRESSED_PER).equalTo(0))
                .select(col("id").plus(1).as("user_id"),
                        when(pick("reason", col("id"), 3).lt(2), lit("unsubscribed")).otherwise(lit("forgotten")).as("reason"),
                        date_add(lit(Date.valueOf(firstDay)), pick("suppressed_on", col("id"), DAYS).cast("int")).as("since"));
    }

    /** A number from 0 to bound - 1 that depends only on the seed, the purpose and the value. */
    private Column pick(String purpose, Column value, long bound) {
        return pmod(xxhash64(lit(seed), lit(purpose), value), lit(bound));
    }

    private static Column namesArray() {
        Column[] names = new Column[FIRST_NAMES.length];
        for (int i = 0; i < names.length; i++) {
            names[i] = lit(FIRST_NAMES[i]);
        }
        return array(names);
    }

    private static Column leafArray() {
        int[] ids = leafIds();
        Column[] literals = new Column[ids.length];
        for (int i = 0; i < ids.length; i++) {
            literals[i] = lit(ids[i]);
        }
        return array(literals);
    }

    /** Categories no other category has as parent. */
    static int[] leafIds() {
        return Arrays.stream(CATEGORIES)
                .filter(c -> Arrays.stream(CATEGORIES).noneMatch(other -> other[2].equals(c[0])))
                .mapToInt(c -> (int) c[0]).toArray();
    }

    private static double round(double degrees) {
        return Math.round(degrees * 1e5) / 1e5;
    }
}
