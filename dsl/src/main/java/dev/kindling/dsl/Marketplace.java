package dev.kindling.dsl;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.levenshtein;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;

import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The marketplace's Hive tables on one SparkSession. Steps ask it to resolve what the analyst typed
 * (a category name, a postal code) as soon as they are given, so mistakes show at the step that made
 * them. Values are always bound as literals, never pasted into SQL.
 */
public final class Marketplace {

    private static final Pattern POSTAL_CODE = Pattern.compile("\\d{2}-\\d{3}");
    // Distances exactly at the radius are "near"; this absorbs floating-point noise (a micrometre).
    private static final double RADIUS_TOLERANCE_KM = 1e-9;

    private final SparkSession spark;
    private final Tables tables;
    private final LocalDate asOf;
    // Small lookup tables, read once per marketplace: on the first category step, on the first livingNear.
    private volatile List<Row> categoryTree;
    private volatile Map<Integer, String> topLevelCategories;
    private volatile Map<String, double[]> postalCentroids;

    /** The marketplace as of today: lastDays(n) ends today. */
    public Marketplace(SparkSession spark, Tables tables) {
        this(spark, tables, LocalDate.now());
    }

    /** The marketplace as of a day (a scheduled run's logical date): lastDays(n) ends on that day. */
    public Marketplace(SparkSession spark, Tables tables, LocalDate asOf) {
        this.spark = Objects.requireNonNull(spark, "spark");
        this.tables = Objects.requireNonNull(tables, "tables");
        this.asOf = Objects.requireNonNull(asOf, "asOf");
    }

    public SparkSession spark() {
        return spark;
    }

    public Tables tables() {
        return tables;
    }

    /** The marketplace's day: today in a shell, the logical date in a scheduled run (see the constructors). */
    public LocalDate asOf() {
        return asOf;
    }

    /** The last {@code days} days up to and including the marketplace's day (see the constructors). */
    public Period lastDays(int days) {
        return Period.lastDays(asOf, days);
    }

    /** Every user of this marketplace: the start of every audience. */
    public Audience users() {
        return Audience.of(this, new Criterion.Everyone());
    }

    /** Reads an audience written in the DSL, e.g. a saved definition (see {@link AudienceDefinition}). */
    public Audience parse(String definition) {
        return AudienceDefinition.parse(definition).on(this);
    }

    /**
     * Reads a definition to be prepared for mailing. Its type is only known once it is read, so one
     * that may include users without consent fails here, naming the part that lacks it.
     */
    public MailableAudience parseForMailing(String definition) {
        return AudienceDefinition.parse(definition).mailableOn(this);
    }

    /** The ids of the named category and all categories below it; case does not matter. */
    Set<Integer> categoryWithSubcategories(String step, String category) {
        if (category == null || category.isBlank()) {
            throw new AudienceException(step + ": 'category' is empty; give a category name such as \"Sports\"");
        }
        List<Row> tree = categoryTree();
        Set<Integer> ids = new HashSet<>();
        Deque<Integer> todo = new ArrayDeque<>();
        for (Row row : tree) {
            if (row.getString(1).equalsIgnoreCase(category.trim())) {
                todo.add(row.getInt(0));
            }
        }
        if (todo.isEmpty()) {
            throw new AudienceException(step + ": 'category' \"" + category + "\" is not a known category." + suggestion(category));
        }
        while (!todo.isEmpty()) {
            Integer id = todo.pop();
            if (ids.add(id)) {
                tree.stream().filter(row -> !row.isNullAt(2) && row.getInt(2) == id).forEach(row -> todo.add(row.getInt(0)));
            }
        }
        return ids;
    }

    /** Every category's id with the name of its top-level category (the category itself when it has no parent); worked out once. */
    Map<Integer, String> topLevelCategories() {
        if (topLevelCategories == null) {
            topLevelCategories = Map.copyOf(climbToTopLevel(categoryTree()));
        }
        return topLevelCategories;
    }

    private static Map<Integer, String> climbToTopLevel(List<Row> tree) {
        Map<Integer, Row> byId = new HashMap<>();
        tree.forEach(row -> byId.put(row.getInt(0), row));
        Map<Integer, String> topLevel = new HashMap<>();
        for (Row row : tree) {
            Row top = row;
            Set<Integer> seen = new HashSet<>();
            // up to the root; a parent missing from the table, or a cycle, ends the climb where it is
            while (!top.isNullAt(2) && byId.containsKey(top.getInt(2)) && seen.add(top.getInt(0))) {
                top = byId.get(top.getInt(2));
            }
            topLevel.put(row.getInt(0), top.getString(1));
        }
        return topLevel;
    }

    /**
     * The postal codes (NN-NNN) whose centroids are at most radiusKm from postalCode's centroid, the
     * code itself included. Worked out here, on the small postal codes table, so that the audience's
     * query filters users by a list of codes instead of joining and measuring every user's home.
     */
    Set<String> postalCodesNear(String step, String postalCode, double radiusKm) {
        requirePostalCode(step, postalCode);
        Map<String, double[]> centroids = postalCentroids();
        double[] centre = centroids.get(postalCode.trim());
        if (centre == null) {
            throw new AudienceException(step + ": 'postalCode' \"" + postalCode + "\" is not a known postal code (table " + tables.postalCodes() + ")");
        }
        Set<String> near = new HashSet<>();
        centroids.forEach((code, point) -> {
            if (GreatCircle.kilometres(point[0], point[1], centre[0], centre[1]) <= radiusKm + RADIUS_TOLERANCE_KM) {
                near.add(code);
            }
        });
        return near;
    }

    /**
     * Fails unless the mailing history exists. Without it nobody can tell who was mailed, so a step that
     * reads it fails rather than take "no history" for "nobody was mailed".
     */
    void requireMailingHistory(String step) {
        if (!spark.catalog().tableExists(tables.mailingHistory())) {
            throw new AudienceException(step + ": the mailing history " + tables.mailingHistory() + " does not exist, so who was mailed cannot be checked;"
                    + " the first prepareForMailing in database " + tables.mailingDatabase() + " creates it (lists prepared before that are not in it)");
        }
    }

    /** Fails unless postalCode is written NN-NNN; needs no data. */
    static void requirePostalCode(String step, String postalCode) {
        if (postalCode == null || !POSTAL_CODE.matcher(postalCode.trim()).matches()) {
            throw new AudienceException(step + ": 'postalCode' \"" + postalCode + "\" is not a postal code; write it as NN-NNN, e.g. \"87-100\"");
        }
    }

    /** The postal codes that have a centroid (the ones livingNear accepts), read once per marketplace. */
    Set<String> locatedPostalCodes() {
        return postalCentroids().keySet();
    }

    private Map<String, double[]> postalCentroids() {
        if (postalCentroids == null) {
            Map<String, double[]> centroids = new HashMap<>();
            for (Row row : spark.table(tables.postalCodes()).select(Tables.POSTAL_CODE, Tables.LATITUDE, Tables.LONGITUDE).collectAsList()) {
                if (!row.anyNull()) {
                    centroids.put(row.getString(0), new double[] {row.getDouble(1), row.getDouble(2)});
                }
            }
            postalCentroids = Map.copyOf(centroids);
        }
        return postalCentroids;
    }

    private List<Row> categoryTree() {
        if (categoryTree == null) {
            categoryTree = spark.table(tables.categories())
                    .select(col(Tables.CATEGORY_ID).cast("int"), col(Tables.CATEGORY_NAME), col(Tables.PARENT_ID).cast("int"))
                    .collectAsList();
        }
        return categoryTree;
    }

    /** "Did you mean ...?" with the names closest in spelling (Spark's levenshtein), or the top-level names. */
    private String suggestion(String category) {
        String given = category.trim().toLowerCase(Locale.ROOT);
        List<String> close = spark.table(tables.categories())
                .select(col(Tables.CATEGORY_NAME), levenshtein(lower(col(Tables.CATEGORY_NAME)), lit(given)).as("distance"))
                .where(col("distance").leq(length(col(Tables.CATEGORY_NAME)).divide(3).plus(1)))
                .orderBy(col("distance"), col(Tables.CATEGORY_NAME))
                .limit(3)
                .collectAsList().stream().map(row -> "'" + row.getString(0) + "'").toList();
        if (!close.isEmpty()) {
            return " Did you mean " + String.join(" or ", close) + "?";
        }
        List<String> roots = categoryTree().stream().filter(row -> row.isNullAt(2)).map(row -> row.getString(1)).sorted().toList();
        return " Known top-level categories: " + String.join(", ", roots) + ".";
    }
}
