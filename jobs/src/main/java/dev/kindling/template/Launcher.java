package dev.kindling.template;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;

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

    public Launcher(List<Supplier<Job>> jobs, SparkSessionProvider sessions, Map<String, String> environment,
                    PrintStream out, PrintStream err) {
        this.jobs = List.copyOf(jobs);
        this.sessions = sessions;
        this.environment = Map.copyOf(environment);
        this.out = out;
        this.err = err;
    }

    @Command(name = "kindling", mixinStandardHelpOptions = true, versionProvider = Version.class,
            description = "Production Spark jobs. 'kindling <job> --help' shows a job's options.",
            commandListHeading = "%nCommands:%n",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                    "0:success", "1:the job failed (worth a retry)", "2:bad usage, invalid parameters or inputs",
                    "3:a data-quality check failed; nothing published", "130/143:interrupted (SIGINT/SIGTERM)"})
    static final class Root {
    }

    /** Builds the command tree: one subcommand per job, with the common options mixed in, and spec. */
    CommandLine commandLine() {
        CommandLine root = new CommandLine(new Root());
        for (Supplier<Job> supplier : jobs) {
            Job job = supplier.get();
            CommandLine command = new CommandLine(job);
            command.addMixin("common", new CommonOptions());
            command.getCommandSpec().mixinStandardHelpOptions(true).versionProvider(new Version());
            command.getCommandSpec().usageMessage().sortOptions(false);
            root.addSubcommand(command);
        }
        root.addSubcommand(new CommandLine(new SpecCommand()));
        root.addSubcommand(new CommandLine(new SettingsCommand()));
        root.setCaseInsensitiveEnumValuesAllowed(true);
        PrintWriter outWriter = new PrintWriter(out, true);
        root.setOut(outWriter);
        root.setErr(new PrintWriter(err, true));
        return root;
    }

    public int execute(String... args) {
        CommandLine root = commandLine();
        ParseResult parsed;
        try {
            parsed = root.parseArgs(args);
        } catch (ParameterException e) {
            String command = e.getCommandLine().getCommandSpec().qualifiedName();
            String suggestion = e instanceof UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()
                    ? "; did you mean " + String.join(" or ", unmatched.getSuggestions()) + "?" : "";
            err.println(command + ": error: " + e.getMessage() + suggestion + " (see '" + command + " --help')");
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
        CommonOptions common = (CommonOptions) sub.commandSpec().mixins().get("common").userObject();
        return new JobRun(sub.commandSpec().name(), (Job) command, common, environment, sessions, out, err).execute();
    }

    private static List<CommandSpec> jobSpecs(CommandLine root) {
        return root.getSubcommands().values().stream()
                .map(CommandLine::getCommandSpec)
                .filter(spec -> spec.userObject() instanceof Job)
                .toList();
    }

    @Command(name = "spec", description = "Print every job's options as JSON (for DAGs and their drift tests).")
    static final class SpecCommand {
        @CommandLine.Option(names = "--json", description = "JSON output (the only format; accepted for clarity).")
        boolean json;
    }

    @Command(name = "settings", description = "Print every setting with its default, allowed values and meaning (the README's table).")
    static final class SettingsCommand {
        @CommandLine.Option(names = "--markdown", description = "Markdown output (the only format; accepted for clarity).")
        boolean markdown;
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
