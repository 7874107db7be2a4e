package dev.kindling.template;

/** Outputs as the template holds them: closed at the end of every run, whatever its outcome. */
interface RunOutputs extends Outputs, AutoCloseable {

    /** The snapshot each table this run published now stands at, by table name (none in a dry run). */
    default java.util.Map<String, Long> published() {
        return java.util.Map.of();
    }

    /** Discards what this run staged and did not publish. */
    @Override
    void close();
}
