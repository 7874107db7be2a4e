package dev.kindling.template;

/**
 * A Kindling job: a picocli {@code @Command} class whose options are its typed parameters, plus one
 * method of business logic. The template adds the common options (see {@link CommonOptions}),
 * builds the SparkSession, the logs and the metrics, and maps the outcome to an exit code.
 */
public interface Job {

    /**
     * Checks the options alone, without any I/O: values and combinations. Runs first in every run,
     * and in {@code kindling check-args} (the DAGs' drift check). Throw {@link InvalidInputException}
     * with a one-line message naming the parameter, the value and what is allowed.
     */
    default void checkOptions() {
    }

    /**
     * Checks what else can be checked before Spark starts: paths, drivers, headers. Throw
     * {@link InvalidInputException} (exit 2) for what a retry cannot fix, {@link InputUnavailableException}
     * (exit 1) for an input that cannot be checked now.
     */
    default void validate(Preflight preflight) {
    }

    /** The business logic. Write only through {@link RunContext#outputs()} so dry-runs write nothing. */
    void run(RunContext context) throws Exception;
}
