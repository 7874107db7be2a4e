package dev.kindling.template;

/** The exit codes of every Kindling run; Airflow DAGs decide on retries from these. */
public enum ExitCode {
    SUCCESS(0, "the run finished and published its output"),
    JOB_FAILED(1, "the job failed (worth a retry: infrastructure, I/O, a bug)"),
    BAD_USAGE(2, "bad usage or invalid parameters or inputs; nothing was written"),
    DATA_QUALITY_FAILED(3, "a data-quality check failed; nothing was published"),
    INTERRUPTED(130, "interrupted by SIGINT (143 for SIGTERM, set by the JVM)");

    public final int code;
    public final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }
}
