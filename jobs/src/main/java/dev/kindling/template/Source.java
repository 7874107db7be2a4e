package dev.kindling.template;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Where a job reads from: a CSV, JSON or Parquet path, a Hive table, or a JDBC table. CSV and JSON
 * are read permissively: a record that does not parse keeps its text in {@value #CORRUPT_RECORD}
 * instead of failing the run or vanishing.
 */
public record Source(Format format, String location, String jdbcTable, String schemaDdl) {

    public static final String CORRUPT_RECORD = "_corrupt_record";
    private static final Pattern SECRET_IN_URL = Pattern.compile("(?i)(password|pwd|secret|token)=[^;&]*");

    public enum Format {
        CSV, JSON, PARQUET, HIVE, JDBC;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Source {
        if (format == null || location == null || location.isBlank()) {
            throw new InvalidInputException("a source needs a format and a location");
        }
    }

    /** Checks what can be checked without Spark: the path, the schema, the JDBC driver. */
    public void check(Preflight preflight, String option) {
        if (schemaDdl != null) {
            parsedSchema();
        }
        switch (format) {
            case CSV, JSON, PARQUET -> preflight.requirePathExists(option, location);
            case JDBC -> {
                if (jdbcTable == null || jdbcTable.isBlank()) {
                    throw new InvalidInputException("--jdbc-table is required when --format is jdbc");
                }
                preflight.requireJdbcDriver(option, location);
            }
            case HIVE -> {
                // the table is looked up once Spark's catalog is up
            }
        }
    }

    Dataset<Row> read(SparkSession spark, Map<String, String> environment) {
        return switch (format) {
            case CSV -> permissive(spark.read().option("header", "true"), reader -> reader.csv(location));
            case JSON -> permissive(spark.read(), reader -> reader.json(location));
            case PARQUET -> withSchema(spark.read()).parquet(location);
            case HIVE -> {
                if (!spark.catalog().tableExists(location)) {
                    throw new InvalidInputException("--source table '" + location + "' does not exist");
                }
                yield spark.table(location);
            }
            case JDBC -> spark.read().jdbc(location, jdbcTable, credentials(environment));
        };
    }

    private Dataset<Row> permissive(DataFrameReader reader, java.util.function.Function<DataFrameReader, Dataset<Row>> load) {
        reader.option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT_RECORD);
        StructType schema = schemaDdl != null ? parsedSchema() : load.apply(reader.option("inferSchema", "true")).schema();
        if (Arrays.asList(schema.fieldNames()).contains(CORRUPT_RECORD)) {
            schema = new StructType(Arrays.stream(schema.fields()).filter(f -> !f.name().equals(CORRUPT_RECORD)).toArray(org.apache.spark.sql.types.StructField[]::new));
        }
        return load.apply(reader.schema(schema.add(CORRUPT_RECORD, DataTypes.StringType, true)));
    }

    private DataFrameReader withSchema(DataFrameReader reader) {
        return schemaDdl == null ? reader : reader.schema(parsedSchema());
    }

    private StructType parsedSchema() {
        try {
            return StructType.fromDDL(schemaDdl);
        } catch (Exception e) { // Spark's ParseException is a checked exception to Java
            throw new InvalidInputException("--schema '" + schemaDdl + "' is not a valid schema, e.g. 'id INT, name STRING, amount DECIMAL(10,2)': "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    // Credentials come from the environment, never from arguments that Airflow renders or ps shows.
    private static Properties credentials(Map<String, String> environment) {
        Properties properties = new Properties();
        String user = environment.get("KINDLING_JDBC_USER");
        String password = environment.get("KINDLING_JDBC_PASSWORD");
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null) {
            properties.setProperty("password", password);
        }
        return properties;
    }

    /** For logs and dry-runs: never the password that a JDBC URL may carry. */
    public String describe() {
        String where = format == Format.JDBC ? maskSecrets(location) + " table " + jdbcTable : location;
        return format.name().toLowerCase(Locale.ROOT) + " " + where;
    }

    static String maskSecrets(String text) {
        return SECRET_IN_URL.matcher(text).replaceAll("$1=***");
    }
}
