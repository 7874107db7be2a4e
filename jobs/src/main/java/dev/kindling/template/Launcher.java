package dev.kindling.template;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The single entry point: {@code bin/kindling} locally, the shaded jar's main class under
 * spark-submit. Parses the command line with picocli (the job classes' options are the single source
 * of CLI, help and spec), then runs the chosen job. Never calls System.exit: it returns the code.
 */
public final class Launcher {

    private final List<Supplier<Job>> jobs;
    private final SparkSessionProvider sessions;
    private final Map<String, String> environment;
    private final PrintStream out;
    private final PrintStream err;
    private final UnaryOperator<Outputs> outputsSeam;

    public Launcher(List<Supplier<Job>> jobs, SparkSessionProvider sessions, Map<String, String> environment,
                    PrintStream out, PrintStream err) {
        this(jobs, sessions, environment, out, err, UnaryOperator.identity());
    }

    private Launcher(List<Supplier<Job>> jobs, SparkSessionProvider sessions, Map<String, String> environment,
                     PrintStream out, PrintStream err, UnaryOperator<Outputs> outputsSeam) {
        this.jobs = List.copyOf(jobs);
        this.sessions = sessions;
        this.environment = Map.copyOf(environment);
        this.out = out;
        this.err = err;
        this.outputsSeam = outputsSeam;
    }

    /**
     * For tests: jobs write through {@code seam} applied to the run's outputs (a fake that forwards
     * to them); the template still discards what the real outputs staged and did not publish.
     */
    public Launcher withOutputs(UnaryOperator<Outputs> seam) {
        return new Launcher(jobs, sessions, environment, out, err, seam);
    }

    @Command(name = "kindling", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = "Production Spark jobs. 'kindling <job> --help' shows a job's options.",
            commandListHeading = "%nCommands:%n",
            exitCodeListHeading = "%nExit codes:%n")
    static final class Root {
    }

    /** Builds the command tree: one subcommand per job, with the common options mixed in, then history, rollback, spec, settings and check-args. */
    CommandLine commandLine() {
        CommandLine root = new CommandLine(new Root());
        Map<String, String> exitCodes = new LinkedHashMap<>();
        for (ExitCode exit : ExitCode.values()) {
            exitCodes.put(exit.shown(), exit.meaning);
        }
        root.getCommandSpec().usageMessage().exitCodeList(exitCodes);
        for (Supplier<Job> supplier : jobs) {
            Job job = supplier.get();
            CommandLine command = new CommandLine(job);
            command.addMixin("common", new CommonOptions());
            command.getCommandSpec().mixinStandardHelpOptions(true).versionProvider(new Version());
            command.getCommandSpec().usageMessage().sortOptions(false);
            root.addSubcommand(command);
        }
        root.addSubcommand(new CommandLine(new TableCommands.History()));
        root.addSubcommand(new CommandLine(new TableCommands.Rollback()));
        root.addSubcommand(new CommandLine(new SpecCommand()));
        root.addSubcommand(new CommandLine(new SettingsCommand()));
        // Everything after the job name belongs to the job, options included.
        root.addSubcommand(new CommandLine(new CheckArgsCommand()).setUnmatchedOptionsArePositionalParams(true));
        root.setCaseInsensitiveEnumValuesAllowed(true);
        PrintWriter outWriter = new PrintWriter(out, true);
        root.setOut(outWriter);
        root.setErr(new PrintWriter(err, true));
        return root;
    }

    public int execute(String... args) {
        CommandLine root = commandLine();
        ParseResult parsed = parse(root, args);
        if (parsed == null) {
            return ExitCode.BAD_USAGE.code;
        }
        if (CommandLine.printHelpIfRequested(parsed)) {
            return ExitCode.SUCCESS.code;
        }
        if (!parsed.hasSubcommand()) {
            err.println("kindling: error: name a job or command (see 'kindling --help')");
            return ExitCode.BAD_USAGE.code;
        }
        ParseResult sub = parsed.subcommand();
        Object command = sub.commandSpec().userObject();
        if (command instanceof SpecCommand) {
            out.println(JobSpec.toJson(jobSpecs(root), version()));
            return ExitCode.SUCCESS.code;
        }
        if (command instanceof SettingsCommand) {
            out.print(Settings.markdown());
            return ExitCode.SUCCESS.code;
        }
        if (command instanceof TableCommands.TableCommand table) {
            return table.execute(sub.commandSpec().name(), environment, out, err);
        }
        if (command instanceof CheckArgsCommand check) {
            return checkArgs(check.jobArgs);
        }
        CommonOptions common = (CommonOptions) sub.commandSpec().mixins().get("common").userObject();
        return new JobRun(sub.commandSpec().name(), (Job) command, common, environment, sessions, outputsSeam, out, err).execute();
    }

    /** Parses the command line; on a mistake prints one line naming it and returns null. */
    private ParseResult parse(CommandLine root, String... args) {
        try {
            return root.parseArgs(args);
        } catch (ParameterException reported) {
            ParameterException e = reported;
            if (!(e instanceof UnmatchedArgumentException)) {
                // picocli checks required options before it reports unknown ones: a misspelt --source would read as a missing one
                List<String> unknown = unknownOptions(e.getCommandLine(), args);
                if (!unknown.isEmpty()) {
                    e = new UnmatchedArgumentException(e.getCommandLine(), unknown);
                }
            }
            String command = e.getCommandLine().getCommandSpec().qualifiedName();
            String suggestion = e instanceof UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()
                    ? "; did you mean " + String.join(" or ", unmatched.getSuggestions()) + "?" : "";
            err.println(command + ": error: " + e.getMessage() + suggestion + " (see '" + command + " --help')");
            return null;
        }
    }

    /** The arguments after the command's name that look like options the command does not have (a value of an option aside). */
    private static List<String> unknownOptions(CommandLine command, String... args) {
        CommandLine.Model.CommandSpec spec = command.getCommandSpec();
        int start = spec.parent() == null ? 0 : java.util.Arrays.asList(args).indexOf(spec.name()) + 1;
        List<String> unknown = new java.util.ArrayList<>();
        boolean valueNext = false;
        for (String arg : java.util.Arrays.asList(args).subList(Math.max(start, 0), args.length)) {
            if (valueNext || !arg.startsWith("--")) {
                valueNext = false;
                continue;
            }
            int equals = arg.indexOf('=');
            CommandLine.Model.OptionSpec option = spec.findOption(equals < 0 ? arg : arg.substring(0, equals));
            if (option == null) {
                unknown.add(arg);
            } else {
                valueNext = equals < 0 && option.arity().max() > 0;
            }
        }
        return unknown;
    }

    /**
     * A job's command line parsed as a run would parse it, and its settings (--env, --conf) resolved
     * and checked, without starting Spark or touching the job's inputs (which it checks when it runs).
     */
    private int checkArgs(List<String> jobArgs) {
        CommandLine root = commandLine();
        ParseResult parsed = parse(root, jobArgs.toArray(String[]::new));
        if (parsed == null) {
            return ExitCode.BAD_USAGE.code;
        }
        if (!parsed.hasSubcommand() || !(parsed.subcommand().commandSpec().userObject() instanceof Job)) {
            err.println("kindling check-args: error: '" + jobArgs.get(0) + "' is not a job; jobs are "
                    + jobSpecs(root).stream().map(CommandSpec::name).toList());
            return ExitCode.BAD_USAGE.code;
        }
        ParseResult job = parsed.subcommand();
        if (job.isUsageHelpRequested() || job.isVersionHelpRequested()) {
            return ExitCode.SUCCESS.code;
        }
        CommonOptions common = (CommonOptions) job.commandSpec().mixins().get("common").userObject();
        try {
            Settings.resolve(common.env(), common.conf(), environment);
            ((Job) job.commandSpec().userObject()).checkOptions();
        } catch (InvalidInputException e) {
            err.println("kindling " + job.commandSpec().name() + ": error: " + e.getMessage());
            return ExitCode.BAD_USAGE.code;
        }
        out.println("kindling " + job.commandSpec().name() + ": arguments accepted");
        return ExitCode.SUCCESS.code;
    }

    private static List<CommandSpec> jobSpecs(CommandLine root) {
        return root.getSubcommands().values().stream()
                .map(CommandLine::getCommandSpec)
                .filter(spec -> spec.userObject() instanceof Job)
                .toList();
    }

    @Command(name = "spec", description = "Print every job's options, the exit codes and the settings as JSON (for DAGs, their checks and Grafana).")
    static final class SpecCommand {
        @CommandLine.Option(names = "--json", description = "JSON output (the only format; accepted for clarity).")
        boolean json;
    }

    @Command(name = "settings", description = "Print every setting with its default, allowed values and meaning (the README's table).")
    static final class SettingsCommand {
        @CommandLine.Option(names = "--markdown", description = "Markdown output (the only format; accepted for clarity).")
        boolean markdown;
    }

    @Command(name = "check-args",
            description = "Check a job's arguments as a run would parse them (options, values, --env, --conf) without starting Spark: exit 0, or one line and exit 2.")
    static final class CheckArgsCommand {
        @CommandLine.Parameters(arity = "1..*", paramLabel = "JOB ARGS", description = "The job's name and its arguments.")
        List<String> jobArgs = new ArrayList<>();
    }

    static Properties version() {
        Properties properties = new Properties();
        try (InputStream in = Launcher.class.getResourceAsStream("/kindling/version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties v = version();
            return new String[] {"kindling " + v.getProperty("version", "unknown") + " (Spark " + v.getProperty("spark.version", "unknown") + ")"};
        }
    }
}
