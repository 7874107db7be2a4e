package dev.kindling.template;

/** Outputs as the template holds them: closed at the end of every run, whatever its outcome. */
interface RunOutputs extends Outputs, AutoCloseable {

    /** Discards what this run staged and did not publish. */
    @Override
    void close();
}
