package dev.kindling.template;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

import com.univocity.parsers.common.TextParsingException;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Where a job reads from: a CSV, JSON or Parquet path (a file, a folder or a Hadoop glob), a Hive
 * table, or a JDBC table. CSV and JSON are read permissively: a record that does not parse keeps its
 * text in {@value #CORRUPT_RECORD} instead of failing the run or vanishing.
 *
 * <p>A CSV source with a header is bound to {@code --schema} by column name, never by position: the
 * headers are read before Spark starts ({@link #check}), and a header that does not name the
 * schema's columns is bad input.
 *
 * <p>A source is checked as it is built: its {@code --schema} is parsed once, here, and kept, and so is a
 * Hive table's name ({@link TableName}).
 */
public final class Source {

    public static final String CORRUPT_RECORD = "_corrupt_record";
    /** How many records of each JSON file are read before Spark starts to bind {@code --schema} to their keys. */
    public static final int JSON_RECORDS_CHECKED = 1000;
    private static final String BYTE_ORDER_MARK = "\uFEFF";
    /** The charsets Spark's CSV reader accepts by default. */
    private static final List<String> SPARK_CHARSETS = List.of("iso-8859-1", "us-ascii", "utf-16", "utf-16be", "utf-16le", "utf-32", "utf-8");

    public enum Format {
        CSV, JSON, PARQUET, HIVE, JDBC;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Format format;
    private final String location;
    private final String jdbcTable;
    private final String schemaDdl;
    private final StructType schema; // null without --schema
    private final TableName table; // a Hive source's table; null for other formats
    private final CsvDialect csv;
    private final boolean mergeFileColumns;
    private final boolean ignoreExtraKeys;
    private final Known known;

    /** What is known of a source before Spark starts, once {@link #check} has looked. */
    private record Known(List<String> columns, boolean noRows, Map<String, String> jsonKeys, String csvLineSeparator) {
        static final Known NOTHING = new Known(List.of(), false, Map.of(), null);
    }

    /** What to do with a key of JSON records that no {@code --schema} column binds. */
    public enum ExtraKeys {
        FAIL, IGNORE;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A source as its options give it; a schema that does not parse is bad input.
     *
     * @param csv the CSV dialect (RFC 4180 unless told otherwise); ignored for other formats
     */
    public Source(Format format, String location, String jdbcTable, String schemaDdl, CsvDialect csv) {
        this(format, location, jdbcTable, schemaDdl, schemaDdl == null ? null : parsed(schemaDdl), csv, false, false, Known.NOTHING);
    }

    private Source(Format format, String location, String jdbcTable, String schemaDdl, StructType schema, CsvDialect csv,
                   boolean mergeFileColumns, boolean ignoreExtraKeys, Known known) {
        if (format == null || location == null || location.isBlank()) {
            throw new InvalidInputException("a source needs a format and a location");
        }
        this.format = format;
        this.location = location;
        this.table = format == Format.HIVE ? TableName.of("--source", location) : null;
        this.jdbcTable = jdbcTable;
        this.schemaDdl = schemaDdl;
        this.schema = schema;
        this.csv = csv == null ? CsvDialect.RFC_4180 : csv;
        this.mergeFileColumns = mergeFileColumns;
        this.ignoreExtraKeys = ignoreExtraKeys;
        this.known = known;
    }

    /**
     * This source with Parquet files of different columns read as one set of columns (Spark's
     * {@code mergeSchema}: a column a file lacks is null in its rows), as {@code --schema-evolution
     * add-columns} asks; otherwise such files are bad input.
     */
    public Source mergingFileColumns() {
        return new Source(format, location, jdbcTable, schemaDdl, schema, csv, true, ignoreExtraKeys, known);
    }

    /**
     * This source with keys of JSON records that no {@code --schema} column binds dropped, as
     * {@code --extra-keys ignore} asks; otherwise such keys are bad input ({@link JsonKeys}).
     */
    public Source ignoringExtraKeys() {
        return new Source(format, location, jdbcTable, schemaDdl, schema, csv, mergeFileColumns, true, known);
    }

    public Format format() {
        return format;
    }

    public String location() {
        return location;
    }

    public String jdbcTable() {
        return jdbcTable;
    }

    public String schemaDdl() {
        return schemaDdl;
    }

    public CsvDialect csv() {
        return csv;
    }

    /**
     * The source's columns in file order, when known before Spark starts (a CSV header, a Parquet
     * footer, or {@code --schema}); empty when only Spark can tell.
     */
    public List<String> columns() {
        return known.columns();
    }

    /**
     * Whether the source is known, before Spark starts, to hold no rows: a CSV source with a header
     * whose files are empty or hold their header alone. False when only Spark can tell.
     */
    public boolean hasNoRows() {
        return known.noRows();
    }

    /**
     * Checks what can be checked without Spark (the path, the JDBC driver, CSV headers, Parquet
     * footers, the keys of JSON records) and returns
     * this source with the columns that are known now. The path is listed once, for all of them.
     */
    public Source check(Preflight preflight, String option) {
        checkOptions(option);
        SourceFiles files = null;
        switch (format) {
            case CSV, JSON, PARQUET -> files = preflight.sourceFiles(option, location);
            case JDBC -> preflight.requireJdbcDriver(option, location);
            case HIVE -> preflight.requireTable(option, table);
        }
        List<String> columns = schema == null ? List.of() : List.of(schema.fieldNames());
        boolean noRows = false;
        String lineSeparator = null;
        if (format == Format.CSV) {
            Map<String, CsvHeaders.Header> headers = csv.header() ? headers(files, option) : firstRecords(files, csv);
            lineSeparator = commonLineSeparator(headers);
            if (csv.header()) {
                List<String> header = commonHeader(headers);
                if (schema != null && header != null) {
                    requireSameColumns(header, schema);
                }
                columns = header != null ? header : columns;
                noRows = headers.values().stream().noneMatch(CsvHeaders.Header::rowsFollow);
            }
        }
        if (format == Format.PARQUET) {
            Map<String, List<String>> footers = parquetColumns(files);
            List<String> common = ParquetColumns.common(option + " '" + location + "'", footers, mergeFileColumns);
            columns = schema == null ? common : columns;
        }
        Map<String, String> jsonKeys = Map.of();
        if (format == Format.JSON && schema != null) {
            jsonKeys = JsonKeys.bind(option + " '" + location + "'", schema, jsonKeys(files, option), ignoreExtraKeys);
        }
        return new Source(format, location, jdbcTable, schemaDdl, schema, csv, mergeFileColumns, ignoreExtraKeys, new Known(columns, noRows, jsonKeys, lineSeparator));
    }

    /** Checks what needs no I/O and was not checked when the source was built: a JDBC source names its table. */
    public void checkOptions(String option) {
        if (format == Format.JDBC && (jdbcTable == null || jdbcTable.isBlank())) {
            throw new InvalidInputException("--jdbc-table is required when --format is jdbc");
        }
        if (format == Format.JDBC) {
            UrlSecrets.refuseCredentials(option, location);
        }
    }

    private Map<String, CsvHeaders.Header> headers(SourceFiles files, String option) {
        try {
            return CsvHeaders.read(files, csv);
        } catch (TextParsingException e) {
            throw new InvalidInputException(option + " '" + location + "': the first line of a file is not a CSV header in this dialect: "
                    + firstLine(e.getMessage()));
        } catch (IOException e) {
            throw Preflight.cannotRead(option + " '" + location + "': the CSV headers cannot be read", e);
        }
    }

    /** Without a header, the first records only tell the line separator: one that does not parse is Spark's to quarantine. */
    private static Map<String, CsvHeaders.Header> firstRecords(SourceFiles files, CsvDialect csv) {
        try {
            return CsvHeaders.read(files, csv);
        } catch (TextParsingException | IOException unreadable) {
            return Map.of();
        }
    }

    /**
     * The line separator every file that has more than one line uses; null when they differ (Spark then
     * finds each file's own, and writes a line break inside quotes as LF).
     */
    private static String commonLineSeparator(Map<String, CsvHeaders.Header> headers) {
        List<String> separators = headers.values().stream().map(CsvHeaders.Header::lineSeparator).filter(java.util.Objects::nonNull).distinct().toList();
        return separators.size() == 1 ? separators.get(0) : null;
    }

    /** The one header all files share, or null when no file has a line yet. */
    private static List<String> commonHeader(Map<String, CsvHeaders.Header> headers) {
        List<String> first = null;
        String firstFile = null;
        for (Map.Entry<String, CsvHeaders.Header> file : headers.entrySet()) {
            List<String> names = file.getValue().names();
            if (first == null) {
                first = names;
                firstFile = file.getKey();
            } else if (!lowerCase(first).equals(lowerCase(names))) {
                throw new InvalidInputException("the header of " + file.getKey() + " (" + String.join(", ", names)
                        + ") differs from the header of " + firstFile + " (" + String.join(", ", first) + ")");
            }
        }
        return first;
    }

    private Map<String, java.util.Set<String>> jsonKeys(SourceFiles files, String option) {
        try {
            return JsonKeys.read(files);
        } catch (IOException e) {
            throw Preflight.cannotRead(option + " '" + location + "': the first JSON records cannot be read", e);
        }
    }

    /** A footer that cannot be read leaves the columns unknown here: Spark's read reports what is wrong with the file. */
    private Map<String, List<String>> parquetColumns(SourceFiles files) {
        try {
            return ParquetColumns.read(files);
        } catch (IOException | RuntimeException unreadable) {
            return Map.of();
        }
    }

    private void requireSameColumns(List<String> header, StructType schema) {
        List<String> names = lowerCase(Arrays.asList(schema.fieldNames()));
        List<String> given = lowerCase(header);
        List<String> missing = Arrays.stream(schema.fieldNames()).filter(n -> !given.contains(n.toLowerCase(Locale.ROOT))).toList();
        List<String> unexpected = header.stream().filter(n -> !names.contains(n.toLowerCase(Locale.ROOT))).toList();
        if (!missing.isEmpty() || !unexpected.isEmpty() || given.size() != names.size()) {
            throw new InvalidInputException("the header of " + location + " (" + String.join(", ", header) + ") does not match --schema:"
                    + (missing.isEmpty() ? "" : " missing: " + String.join(", ", missing) + ";")
                    + (unexpected.isEmpty() ? "" : " not in --schema: " + String.join(", ", unexpected) + ";")
                    + (missing.isEmpty() && unexpected.isEmpty() ? " a column is named twice;" : "")
                    + " columns are matched by name (--no-header reads them by position)");
        }
    }

    Dataset<Row> read(SparkSession spark, Map<String, String> environment) {
        return switch (format) {
            case CSV -> readCsv(spark);
            case JSON -> readJson(spark);
            case PARQUET -> withSchema(spark.read()).option("mergeSchema", mergeFileColumns).parquet(location);
            case HIVE -> {
                Dataset<Row> rows;
                try {
                    rows = spark.table(table.toString()); // a table or a view (Spark's tableExists does not see Iceberg's views)
                } catch (Exception e) { // Spark's AnalysisException is checked in Java, but thrown undeclared
                    if (e instanceof org.apache.spark.sql.AnalysisException missing && "TABLE_OR_VIEW_NOT_FOUND".equals(missing.getCondition())) {
                        throw new InvalidInputException("--source table '" + table + "' does not exist");
                    }
                    throw e;
                }
                yield WriteCounts.countedAsInput(rows);
            }
            case JDBC -> spark.read().jdbc(location, jdbcTable, credentials(environment));
        };
    }

    /**
     * With a header and a schema, Spark is given the schema in the header's order (Spark binds CSV
     * columns by position), and the columns are then selected in the schema's order.
     */
    private Dataset<Row> readCsv(SparkSession spark) {
        if (!SPARK_CHARSETS.contains(csv.charset().name().toLowerCase(Locale.ROOT))) {
            // Spark 4 reads only Unicode and Latin-1 unless told to accept every charset Java knows
            spark.conf().set("spark.sql.legacy.javaCharsets", "true");
        }
        DataFrameReader reader = spark.read().options(csv.sparkOptions(known.csvLineSeparator()));
        if (schema == null) {
            Dataset<Row> inferred = permissive(spark, reader, null, r -> r.csv(location));
            String first = inferred.columns().length == 0 ? "" : inferred.columns()[0];
            // Spark keeps a UTF-8 byte-order mark as part of the first column's name when it reads whole files
            return first.startsWith(BYTE_ORDER_MARK) ? inferred.withColumnRenamed(first, first.substring(1)) : inferred;
        }
        if (!csv.header() || known.columns().isEmpty()) {
            return permissive(spark, reader, schema, r -> r.csv(location));
        }
        StructType fileOrder = new StructType(known.columns().stream().map(name -> field(schema, name)).toArray(StructField[]::new));
        List<Column> schemaOrder = new ArrayList<>();
        for (String name : schema.fieldNames()) {
            schemaOrder.add(org.apache.spark.sql.functions.col("`" + field(schema, name).name() + "`"));
        }
        schemaOrder.add(org.apache.spark.sql.functions.col(CORRUPT_RECORD));
        return permissive(spark, reader, fileOrder, r -> r.csv(location)).select(schemaOrder.toArray(Column[]::new));
    }

    /**
     * With a schema whose keys were read before Spark starts, Spark is given each column under its
     * key's spelling (Spark matches JSON keys exactly), and the columns are then named as the schema
     * names them.
     */
    private Dataset<Row> readJson(SparkSession spark) {
        if (schema == null || known.jsonKeys().isEmpty()) {
            return permissive(spark, spark.read(), schema, reader -> reader.json(location));
        }
        StructType keyNames = new StructType(Arrays.stream(schema.fields())
                .map(f -> new StructField(known.jsonKeys().get(f.name()), f.dataType(), f.nullable(), f.metadata())).toArray(StructField[]::new));
        List<Column> schemaNames = new ArrayList<>();
        for (StructField f : schema.fields()) {
            schemaNames.add(org.apache.spark.sql.functions.col("`" + known.jsonKeys().get(f.name()) + "`").as(f.name()));
        }
        schemaNames.add(org.apache.spark.sql.functions.col(CORRUPT_RECORD));
        return permissive(spark, spark.read(), keyNames, reader -> reader.json(location)).select(schemaNames.toArray(Column[]::new));
    }

    private static StructField field(StructType schema, String name) {
        return Arrays.stream(schema.fields()).filter(f -> f.name().equalsIgnoreCase(name)).findFirst().orElseThrow();
    }

    /**
     * Reads with the corrupt-record column. Without a schema, Spark infers one, which reads the input
     * one extra time; an input with no rows to infer from is read as no rows and no columns.
     */
    private Dataset<Row> permissive(SparkSession spark, DataFrameReader reader, StructType given, Function<DataFrameReader, Dataset<Row>> load) {
        reader.option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT_RECORD);
        StructType readWith = given;
        if (readWith == null) {
            try {
                readWith = load.apply(reader.option("inferSchema", "true")).schema();
            } catch (Exception e) { // Spark's AnalysisException is a checked exception to Java
                if (e instanceof AnalysisException analysis && "UNABLE_TO_INFER_SCHEMA".equals(analysis.getCondition())) {
                    return spark.emptyDataFrame();
                }
                throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getMessage(), e);
            }
            if (readWith.fields().length == 0) {
                return spark.emptyDataFrame();
            }
        }
        StructType withoutCorrupt = new StructType(Arrays.stream(readWith.fields()).filter(f -> !f.name().equals(CORRUPT_RECORD)).toArray(StructField[]::new));
        return load.apply(reader.schema(withoutCorrupt.add(CORRUPT_RECORD, DataTypes.StringType, true)));
    }

    private DataFrameReader withSchema(DataFrameReader reader) {
        return schema == null ? reader : reader.schema(schema);
    }

    private static StructType parsed(String schemaDdl) {
        try {
            return StructType.fromDDL(schemaDdl);
        } catch (Exception e) { // Spark's ParseException is a checked exception to Java
            throw new InvalidInputException("--schema '" + schemaDdl + "' is not a valid schema, e.g. 'id INT, name STRING, amount DECIMAL(10,2)': "
                    + parserReason(e.getMessage()));
        }
    }

    // Credentials come from the environment, never from arguments that Airflow renders or ps shows.
    static Properties credentials(Map<String, String> environment) {
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
        String where = format == Format.JDBC ? UrlSecrets.masked(location) + " table " + jdbcTable : location;
        return format.name().toLowerCase(Locale.ROOT) + " " + where;
    }

    private static List<String> lowerCase(List<String> names) {
        return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
    }

    /**
     * The parser's reason in one line: its message starts with a line break, then e.g. {@code [UNSUPPORTED_DATATYPE]
     * Unsupported data type "DOUBEL". SQLSTATE: 0A000 (line 1, pos 7)} before the text with a caret under it.
     */
    public static String parserReason(String message) {
        String line = message == null ? "" : message.lines().filter(l -> !l.isBlank()).findFirst().orElse("");
        return line.replaceFirst("^\\[[A-Z_.]+\\] ", "").replaceFirst(" SQLSTATE: [0-9A-Z]+", "").strip();
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }
}
