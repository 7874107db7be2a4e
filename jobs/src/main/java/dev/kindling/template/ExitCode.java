package dev.kindling.template;

/**
 * The exit codes of every Kindling run, and whether Airflow retries each: the one source for the
 * help text, the README table, {@code kindling spec --json} and the Airflow operator.
 */
public enum ExitCode {
    SUCCESS(0, "success: the output is published", false),
    JOB_FAILED(1, "the job failed (I/O, cluster, a bug): worth a retry", true),
    BAD_USAGE(2, "bad usage, invalid parameters, settings or inputs; nothing was written", false),
    DATA_QUALITY_FAILED(3, "a data-quality check failed; the checked rows were not published (verify still records its results)", false),
    INTERRUPTED(130, "interrupted by SIGINT (143 for SIGTERM, set by the JVM); the final metrics report is still sent", true);

    public final int code;
    public final String meaning;
    /** Whether Airflow runs the task again (while retries are left) after this code. */
    public final boolean retried;

    ExitCode(int code, String meaning, boolean retried) {
        this.code = code;
        this.meaning = meaning;
        this.retried = retried;
    }

    /** The code as help and docs show it: an interrupted run exits 130 or 143. */
    public String shown() {
        return this == INTERRUPTED ? "130/143" : String.valueOf(code);
    }

    /** The README's exit code table. */
    public static String markdown() {
        StringBuilder md = new StringBuilder("| code | meaning | Airflow retries |\n| --- | --- | --- |\n");
        for (ExitCode exit : values()) {
            String retries = exit == SUCCESS ? "—" : exit.retried ? "yes" : "no: fails at once";
            md.append("| ").append(exit.shown()).append(" | ").append(exit.meaning).append(" | ").append(retries).append(" |\n");
        }
        return md.toString();
    }
}
