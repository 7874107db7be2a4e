package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.testing.Kindling;
import dev.kindling.testing.Kindling.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The entry point as a user meets it: help, version, spec, and every kind of bad input. */
class LauncherTest {

    @TempDir
    static Path dir;
    static Path csv;

    /** Fails the test if a run starts Spark: bad input must be refused before any session exists. */
    static final AtomicInteger sessionsOpened = new AtomicInteger();
    static final SparkSessionProvider noSpark = (settings, appName) -> {
        sessionsOpened.incrementAndGet();
        throw new AssertionError("a SparkSession was requested");
    };

    @BeforeAll
    static void writeInput() throws IOException {
        csv = Files.writeString(dir.resolve("orders.csv"), "id,amount\n1,10\n");
    }

    @Test
    void helpListsEveryJobWithItsDescriptionAndTheExitCodes() {
        Result result = Kindling.with(noSpark).run("--help");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("snapshot", "Copy a CSV, JSON or Parquet path", "spec", "settings", "Exit codes:",
                "3         a data-quality check failed", "130/143   interrupted");
    }

    @Test
    void jobHelpShowsItsOptionsWithDefaults() {
        Result result = Kindling.with(noSpark).run("snapshot", "--help");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("--source=PATH|TABLE|URL", "--format=FORMAT", "csv, json, parquet, hive, jdbc",
                "--partition-column=COLUMN", "Default: ds", "--max-bad-ratio", "Default: 0.01",
                "--env=NAME", "--logical-date=YYYY-MM-DD", "--run-id", "--dry-run", "--conf=KEY=VALUE");
    }

    @Test
    void everyJobsHelpPrintsItsDescriptionsAsWrittenWithoutPicocliWarnings() {
        // picocli formats descriptions (a bare '%' breaks them) and warns on System.err, beside the run's own streams
        PrintStream original = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
        try {
            for (var job : dev.kindling.Kindling.JOBS) {
                String name = job.get().getClass().getAnnotation(picocli.CommandLine.Command.class).name();
                assertThat(Kindling.with(noSpark).run(name, "--help").exitCode()).as(name).isZero();
            }
        } finally {
            System.setErr(original);
        }
        assertThat(warnings.toString(StandardCharsets.UTF_8)).doesNotContain("picocli WARN");
    }

    @Test
    void versionNamesKindlingAndSpark() {
        Result result = Kindling.with(noSpark).run("--version");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out().trim()).matches("kindling \\S+ \\(Spark 4\\.\\d+\\.\\d+\\)");
    }

    @Test
    void specDescribesEveryOptionOfEveryJob() throws IOException {
        Result result = Kindling.with(noSpark).run("spec", "--json");
        assertThat(result.exitCode()).isZero();
        JsonNode spec = new ObjectMapper().readTree(result.out());
        JsonNode snapshot = spec.get("jobs").get(0);
        assertThat(snapshot.get("name").asText()).isEqualTo("snapshot");
        assertThat(option(snapshot, "--logical-date").get("type").asText()).isEqualTo("date");
        assertThat(option(snapshot, "--logical-date").get("required").asBoolean()).isTrue();
        assertThat(option(snapshot, "--format").get("choices")).extracting(JsonNode::asText)
                .containsExactly("csv", "json", "parquet", "hive", "jdbc");
        assertThat(option(snapshot, "--conf").get("repeatable").asBoolean()).isTrue();
        assertThat(option(snapshot, "--max-bad-ratio").get("type").asText()).isEqualTo("number");
        assertThat(option(snapshot, "--dry-run").get("type").asText()).isEqualTo("flag");
        assertThat(option(snapshot, "--env").get("default").asText()).isEqualTo("local");
        assertThat(spec.get("exit_codes")).extracting(code -> code.get("code").asInt() + ":" + code.get("retried").asBoolean())
                .containsExactly("0:false", "1:true", "2:false", "3:false", "130:true");
        assertThat(spec.get("exit_codes").get(3).get("meaning").asText()).contains("data-quality");
        assertThat(spec.get("jobs")).extracting(job -> job.get("name").asText()).containsExactly("snapshot", "demo-data", "audience", "export", "verify", "train", "score", "maintain");
        JsonNode logLevel = StreamSupport.stream(spec.get("settings").spliterator(), false)
                .filter(setting -> setting.get("key").asText().equals("log.level")).findFirst().orElseThrow();
        assertThat(logLevel.get("choices")).extracting(JsonNode::asText).contains("INFO", "OFF");
        assertThat(logLevel.get("default").asText()).isEqualTo("INFO");
        assertThat(logLevel.get("environment_variable").asText()).isEqualTo("KINDLING_LOG_LEVEL");
        assertThat(spec.get("spark_settings")).extracting(setting -> setting.get("key").asText()).contains("spark.master", "spark.executor.memory");
    }

    /**
     * airflow-dags/kindling-spec.json is what Airflow reads where no jar is at hand (DAG parsing, the
     * operator's retry decision, Grafana's generator): -DupdateSpec=true rewrites it.
     */
    @Test
    void theCommittedSpecIsTheJars() throws IOException {
        Path committed = Path.of("..", "airflow-dags", "kindling-spec.json");
        String spec = Kindling.with(noSpark).run("spec", "--json").out();
        if (Boolean.getBoolean("updateSpec")) {
            Files.writeString(committed, spec);
        }
        assertThat(Files.readString(committed)).as(committed + " is stale: rerun this test with -DupdateSpec=true").isEqualTo(spec);
    }

    @Test
    void settingsPrintsTheDeclarationsAsTheReadmeTable() {
        Result result = Kindling.with(noSpark).run("settings", "--markdown");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).isEqualTo(Settings.markdown()).contains("| `log.level` | `INFO` | one of OFF, FATAL");
    }

    private static JsonNode option(JsonNode job, String name) {
        for (JsonNode option : job.get("options")) {
            if (option.get("name").asText().equals(name)) {
                return option;
            }
        }
        throw new AssertionError("no option " + name);
    }

    static Stream<Arguments> badInput() {
        String good = "--format=csv --target=bad.orders --logical-date=2024-03-01";
        return Stream.of(
                Arguments.of("missing required option", "snapshot --format=csv --target=t --logical-date=2024-03-01", "Missing required option: '--source"),
                Arguments.of("malformed date", "snapshot --source=" + "%CSV% --format=csv --target=t --logical-date=2024-13-45", "'2024-13-45' is not a date of the form YYYY-MM-DD"),
                Arguments.of("five-digit year", "snapshot --source=%CSV% --format=csv --target=t --logical-date=+10000-01-01", "'+10000-01-01' is not a date of the form YYYY-MM-DD"),
                Arguments.of("date without padding", "snapshot --source=%CSV% --format=csv --target=t --logical-date=2024-3-1", "'2024-3-1' is not a date of the form YYYY-MM-DD"),
                Arguments.of("run id that is a path", "snapshot --source=%CSV% " + good + " --run-id=..",
                        "Invalid value for option '--run-id': '..' is not a run id: use up to 250 letters, digits and . _ : + -, starting with a letter or digit"),
                Arguments.of("run id with a slash", "snapshot --source=%CSV% " + good + " --run-id=a/../../b", "'a/../../b' is not a run id"),
                Arguments.of("hexadecimal ratio", "snapshot --source=%CSV% " + good + " --max-bad-ratio=0x1p-3", "Invalid value for option '--max-bad-ratio': '0x1p-3' is not a plain decimal number such as 0.05"),
                Arguments.of("exponent ratio", "snapshot --source=%CSV% " + good + " --max-bad-ratio=1e-2", "'1e-2' is not a plain decimal number"),
                Arguments.of("NaN ratio", "snapshot --source=%CSV% " + good + " --max-bad-ratio=NaN", "'NaN' is not a plain decimal number"),
                Arguments.of("unknown env", "snapshot --source=%CSV% " + good + " --env=staging", "--env 'staging' is unknown"),
                Arguments.of("nonexistent input path", "snapshot --source=/no/such/orders.csv " + good, "--source '/no/such/orders.csv' does not exist"),
                Arguments.of("unknown source format", "snapshot --source=%CSV% --format=xml --target=t --logical-date=2024-03-01", "expected one of [CSV, JSON, PARQUET, HIVE, JDBC] (case-insensitive) but was 'xml'"),
                Arguments.of("malformed --conf", "snapshot --source=%CSV% " + good + " --conf spark.executor.memory", "--conf 'spark.executor.memory' is malformed: expected KEY=VALUE"),
                Arguments.of("unknown --conf key", "snapshot --source=%CSV% " + good + " --conf graphite.hots=x", "--conf key 'graphite.hots' is unknown"),
                Arguments.of("bad setting value", "snapshot --source=%CSV% " + good + " --conf graphite.port=http", "setting graphite.port is 'http'"),
                Arguments.of("bad log level", "snapshot --source=%CSV% " + good + " --conf log.level=LOUD",
                        "setting log.level is 'LOUD' (from --conf): expected one of OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL"),
                Arguments.of("bad executor memory", "snapshot --source=%CSV% " + good + " --conf spark.executor.memory=abc",
                        "setting spark.executor.memory is 'abc' (from --conf): expected a size such as 512m or 4g"),
                Arguments.of("negative shuffle partitions", "snapshot --source=%CSV% " + good + " --conf spark.sql.shuffle.partitions=-5",
                        "setting spark.sql.shuffle.partitions is '-5' (from --conf): expected a whole number from 1"),
                Arguments.of("bogus master", "snapshot --source=%CSV% " + good + " --conf spark.master=bogus",
                        "setting spark.master is 'bogus' (from --conf): expected local, local[N], local[*]"),
                Arguments.of("work dir under a file", "snapshot --source=%CSV% " + good + " --conf work.dir=%CSV%/work",
                        "setting work.dir is '%CSV%/work' (from --conf): expected a writable directory"),
                Arguments.of("bad schema", "snapshot --source=%CSV% " + good + " --schema=id%INT",
                        "--schema 'id%INT' is not a valid schema, e.g. 'id INT, name STRING, amount DECIMAL(10,2)': Syntax error at or near '%'. (line 1, pos 2)"),
                Arguments.of("schema with a type that is not one", "snapshot --source=%CSV% " + good + " --schema=amount%SP%DOUBEL",
                        "--schema 'amount DOUBEL' is not a valid schema, e.g. 'id INT, name STRING, amount DECIMAL(10,2)': Unsupported data type \"DOUBEL\". (line 1, pos 7)"),
                Arguments.of("ratio out of range", "snapshot --source=%CSV% " + good + " --max-bad-ratio=2", "--max-bad-ratio 2.0 is out of range"),
                Arguments.of("policy without key", "snapshot --source=%CSV% " + good + " --on-duplicate=drop", "--on-duplicate drop needs --key"),
                Arguments.of("bad target", "snapshot --source=%CSV% --format=csv --target=a.b.c --logical-date=2024-03-01",
                        "kindling snapshot: error: Invalid value for option '--target': 'a.b.c' is not a table name: use table or database.table"
                                + " (letters, digits and '_', not starting with a digit, at most 128 characters each) (see 'kindling snapshot --help')"),
                Arguments.of("hive source that is not a table name", "snapshot --source=sales.orders-eu --format=hive --target=t --logical-date=2024-03-01",
                        "kindling snapshot: error: --source 'sales.orders-eu' is not a table name: use table or database.table"),
                Arguments.of("export: source without a database", "export --source=Orders --target-url=jdbc:postgresql://127.0.0.1:1/db --target-table=orders --logical-date=2024-03-01",
                        "Invalid value for option '--source': 'Orders' names no database: use database.table (letters, digits and '_'"),
                Arguments.of("score: table that is not one", "score --table=recommendations.top-categories --logical-date=2024-03-01",
                        "Invalid value for option '--table': 'recommendations.top-categories' is not a table name: use database.table"),
                Arguments.of("maintain: one table of a list that is not one", "maintain --table=sales.orders,sales.2024 --logical-date=2024-03-01",
                        "'sales.2024' is not a table name: use database.table"),
                Arguments.of("verify: table that is not one", "verify --table=sales.orders.eu --checks=c.yaml --logical-date=2024-03-01",
                        "kindling verify: error: Invalid value for option '--table': 'sales.orders.eu' is not a table name: use table or database.table"),
                Arguments.of("history: table that is not one", "history --table=`sales`.`orders`",
                        "kindling history: error: Invalid value for option '--table': '`sales`.`orders`' is not a table name: use table or database.table"),
                Arguments.of("jdbc without table", "snapshot --source=jdbc:derby:memory:x --format=jdbc --target=t --logical-date=2024-03-01", "--jdbc-table is required"),
                Arguments.of("unknown option", "snapshot --source=%CSV% " + good + " --colour=red", "Unknown option: '--colour=red'"),
                Arguments.of("unknown option in place of a required one", "snapshot --input=%CSV% " + good,
                        "kindling snapshot: error: Unknown option: '--input=%CSV%' (see 'kindling snapshot --help')"),
                Arguments.of("export: bad target table", "export --source=sales.orders --target-url=jdbc:postgresql://127.0.0.1:1/db --target-table=Sales.Orders --logical-date=2024-03-01",
                        "--target-table 'Sales.Orders' is not a PostgreSQL table name: use table or schema.table (lower-case letters, digits and '_'"),
                Arguments.of("export: credentials in the url", "export --source=sales.orders --target-url=jdbc:postgresql://127.0.0.1:1/db?password=x --target-table=orders --logical-date=2024-03-01",
                        "kindling export: error: --target-url must not carry credentials (password=): set KINDLING_JDBC_USER and KINDLING_JDBC_PASSWORD instead"),
                Arguments.of("export: a password in the url's user info", "export --source=sales.orders --target-url=jdbc:postgresql://etl:s3cret@127.0.0.1:1/db --target-table=orders --logical-date=2024-03-01",
                        "kindling export: error: --target-url must not carry credentials (a password in the user info): set KINDLING_JDBC_USER and KINDLING_JDBC_PASSWORD instead"),
                Arguments.of("snapshot: a password in a jdbc source", "snapshot --source=jdbc:postgresql://127.0.0.1:1/db?sslpassword=s3cret --format=jdbc --jdbc-table=t --target=t --logical-date=2024-03-01",
                        "kindling snapshot: error: --source must not carry credentials (sslpassword=): set KINDLING_JDBC_USER and KINDLING_JDBC_PASSWORD instead"),
                Arguments.of("export: upsert without key", "export --source=sales.orders --target-url=jdbc:postgresql://127.0.0.1:1/db --target-table=orders --mode=upsert --logical-date=2024-03-01",
                        "--mode upsert needs --key"),
                Arguments.of("unknown job", "snapshots", "Unmatched argument at index 0: 'snapshots'; did you mean snapshot?"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInput")
    void badInputGivesOneLineAndExitTwoBeforeSparkStarts(String what, String commandLine, String expected) {
        sessionsOpened.set(0);
        String[] args = Arrays.stream(commandLine.replace("%CSV%", csv.toString()).split(" ")).map(arg -> arg.replace("%SP%", " ")).toArray(String[]::new);
        Result result = Kindling.with(noSpark).run(args);
        assertThat(result.exitCode()).as(what).isEqualTo(2);
        assertThat(result.errLines()).as(what).hasSize(1);
        assertThat(result.err()).as(what).contains(expected.replace("%CSV%", csv.toString()));
        assertThat(sessionsOpened.get()).as(what).isZero();
    }

    @Test
    void strictConvertersStillTakeEveryPlainValue() {
        assertThat(new PlainDecimal().convert("0.05")).isEqualTo(0.05);
        assertThat(new PlainDecimal().convert("1")).isEqualTo(1.0);
        assertThat(new PlainDecimal().convert("-2.50")).isEqualTo(-2.5);
        assertThat(new CommonOptions.DateConverter().convert("2024-02-29")).isEqualTo(java.time.LocalDate.of(2024, 2, 29));
        assertThat(new CommonOptions.DateConverter().convert("0001-01-01")).isEqualTo(java.time.LocalDate.of(1, 1, 1));
    }

    @Test
    void checkArgsAcceptsWhatARunWouldParseWithoutSparkOrInputs() {
        sessionsOpened.set(0);
        Result result = Kindling.with(noSpark).run("check-args", "snapshot", "--env", "prod", "--logical-date", "2024-02-29",
                "--source", "hdfs:///landing/not-there-yet.csv", "--format=csv", "--target", "sales.orders", "--key", "id",
                "--max-bad-ratio", "0.5", "--conf", "spark.executor.memory=4g", "--dry-run");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out().trim()).isEqualTo("kindling snapshot: arguments accepted");
        assertThat(result.err()).isEmpty();
        assertThat(sessionsOpened.get()).isZero();
    }

    static Stream<Arguments> badArgsForCheckArgs() {
        String good = "--source=/x.csv --format=csv --target=t --logical-date=2024-03-01";
        return Stream.of(
                Arguments.of("snapshot " + good + " --colour=red", "kindling snapshot: error: Unknown option: '--colour=red'"),
                Arguments.of("snapshot --source=/x.csv --format=csv --target=t --logical-date=+10000-01-01", "'+10000-01-01' is not a date of the form YYYY-MM-DD"),
                Arguments.of("snapshot " + good + " --max-bad-ratio=0x1p-3", "'0x1p-3' is not a plain decimal number"),
                Arguments.of("snapshot " + good + " --on-duplicate=ignore", "Invalid value for option '--on-duplicate': expected one of [KEEP, DROP, FAIL] (case-insensitive) but was 'ignore'"),
                Arguments.of("snapshot --source=/x.csv --format=csv --logical-date=2024-03-01", "Missing required option: '--target=DB.TABLE'"),
                Arguments.of("snapshot " + good + " --conf log.level=LOUD", "kindling snapshot: error: setting log.level is 'LOUD' (from --conf)"),
                Arguments.of("snapshot " + good + " --conf spark.master=bogus", "setting spark.master is 'bogus'"),
                Arguments.of("snapshot " + good + " --env=staging", "--env 'staging' is unknown"),
                Arguments.of("snapshot " + good + " --max-bad-ratio=2", "--max-bad-ratio 2.0 is out of range"),
                Arguments.of("snapshot " + good + " --on-duplicate=drop", "--on-duplicate drop needs --key"),
                Arguments.of("snapshot " + good + " --delimiter=;;", "--delimiter ';;' is not one character"),
                Arguments.of("snapshot " + good + " --schema=id", "--schema 'id' is not a valid schema"),
                Arguments.of("demo-data --logical-date=2024-03-01 --users=0", "--users 0 is out of range"),
                Arguments.of("snapshots " + good, "Unmatched arguments from index 0: 'snapshots', '--source=/x.csv'"),
                Arguments.of("spec --json", "kindling check-args: error: 'spec' is not a job; jobs are [snapshot, demo-data, audience, export, verify, train, score, maintain]"));
    }

    @ParameterizedTest(name = "check-args {0}")
    @MethodSource("badArgsForCheckArgs")
    void checkArgsRefusesWhatARunWouldRefuseInOneLine(String args, String expected) {
        List<String> commandLine = new java.util.ArrayList<>(List.of("check-args"));
        commandLine.addAll(List.of(args.split(" ")));
        Result result = Kindling.with(noSpark).run(commandLine.toArray(String[]::new));
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).hasSize(1);
        assertThat(result.err()).contains(expected);
    }

    @Test
    void noCommandIsBadUsage() {
        Result result = Kindling.with(noSpark).run();
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.errLines()).containsExactly("kindling: error: name a job or command (see 'kindling --help')");
    }

    @Test
    void exitCodesAreTheDocumentedOnes() {
        assertThat(List.of(ExitCode.values())).extracting(code -> code.code).containsExactly(0, 1, 2, 3, 130);
    }
}
