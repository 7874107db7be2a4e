package dev.kindling.template;

/**
 * A Kindling job: a picocli {@code @Command} class whose options are its typed parameters, plus one
 * method of business logic. The template adds the common options (see {@link CommonOptions}),
 * builds the SparkSession, the logs and the metrics, and maps the outcome to an exit code.
 */
public interface Job {

    /**
     * Checks what can be checked before Spark starts: option combinations, paths, drivers.
     * Throw {@link InvalidInputException} with a one-line message naming the parameter and value.
     */
    default void validate(Preflight preflight) {
    }

    /** The business logic. Write only through {@link RunContext#outputs()} so dry-runs write nothing. */
    void run(RunContext context) throws Exception;
}
