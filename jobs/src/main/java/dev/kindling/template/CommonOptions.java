package dev.kindling.template;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** Options every job has; the template mixes them into each job's command. */
public final class CommonOptions {

    /** The help of --env and --conf, which the table commands (history, rollback) have too. */
    static final String ENV_HELP = "Environment profile: local (embedded, the default), dev, prod, or NAME.properties in $KINDLING_CONF_DIR. Default: ${DEFAULT-VALUE}.";
    static final String CONF_HELP = "A setting that overrides the profile and the environment: any spark.* key or a Kindling key (see README). Repeatable.";

    @Option(names = "--env", defaultValue = "local", paramLabel = "NAME",
            description = ENV_HELP)
    String env;

    @Option(names = "--logical-date", required = true, paramLabel = "YYYY-MM-DD",
            converter = DateConverter.class,
            description = "The date this run is for (Airflow's ds).")
    LocalDate logicalDate;

    @Option(names = "--run-id", paramLabel = "ID", converter = RunIdConverter.class,
            description = "Identifies this run in logs, metrics and the summary of each snapshot it publishes (Airflow's run_id): up to 250 letters,"
                    + " digits and . _ : + -, starting with a letter or digit. Default: a fresh local id.")
    String runId;

    @Option(names = "--dry-run",
            description = "Validate parameters and inputs, print what would be read and written and the Spark plan; write nothing.")
    boolean dryRun;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = CONF_HELP)
    List<String> conf = new ArrayList<>();

    public String env() {
        return env;
    }

    public LocalDate logicalDate() {
        return logicalDate;
    }

    public String runId() {
        if (runId == null || runId.isBlank()) {
            runId = "local-" + UUID.randomUUID().toString().substring(0, 8);
        }
        return runId;
    }

    public boolean dryRun() {
        return dryRun;
    }

    public List<String> conf() {
        return List.copyOf(conf);
    }

    /**
     * Run ids as Airflow makes them ({@code scheduled__2024-03-05T00:00:00+00:00}) and no more: a run id
     * names snapshots, versions and files, so it can never be a path ({@code ..}, {@code a/b}) or carry
     * spaces or quotes.
     */
    public static final class RunIdConverter implements ITypeConverter<String> {

        static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:+-]{0,249}");

        @Override
        public String convert(String value) {
            if (!RUN_ID.matcher(value).matches()) {
                throw new TypeConversionException("'" + value + "' is not a run id: use up to 250 letters, digits and . _ : + -, starting with a letter or digit");
            }
            return value;
        }
    }

    /**
     * Parses dates of exactly the form YYYY-MM-DD (LocalDate.parse alone also takes +10000-01-01),
     * with a message that says which form is expected.
     */
    public static final class DateConverter implements ITypeConverter<LocalDate> {

        private static final Pattern YYYY_MM_DD = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");

        @Override
        public LocalDate convert(String value) {
            try {
                if (YYYY_MM_DD.matcher(value).matches()) {
                    return LocalDate.parse(value);
                }
            } catch (DateTimeParseException e) {
                // reported below
            }
            throw new TypeConversionException("'" + value + "' is not a date of the form YYYY-MM-DD");
        }
    }
}
