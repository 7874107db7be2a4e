package dev.kindling.dsl.publish;

/**
 * How a new version of a table differs from the version it replaces, counted by a key column: keys
 * {@code added} (in the new version, not in the replaced one) and {@code removed} (in the replaced
 * one, not in the new). Counts only; no key is collected.
 */
public record Difference(Kind kind, long added, long removed) {

    /** Whether there was a version to compare with. */
    public enum Kind {
        /** The table did not exist: every key is added. */
        FIRST,
        /** Compared with the version this one replaces. */
        SINCE_PREVIOUS,
        /** Nothing was compared: a dry run writes and reads nothing. */
        NOT_COMPARED
    }

    /** What a dry run reports. */
    public static final Difference NOT_COMPARED = new Difference(Kind.NOT_COMPARED, 0, 0);

    public Difference {
        if (kind == null || added < 0 || removed < 0 || (kind == Kind.FIRST && removed != 0)) {
            throw new IllegalArgumentException("a difference is FIRST, SINCE_PREVIOUS or NOT_COMPARED with counts of at least 0 (none removed from nothing): "
                    + kind + " +" + added + " -" + removed);
        }
    }

    /** A first version: all of its keys are added. */
    public static Difference first(long keys) {
        return new Difference(Kind.FIRST, keys, 0);
    }

    /** As the export report says it, e.g. "+15 -7", "first list: +120", "not compared (dry run)". */
    @Override
    public String toString() {
        return switch (kind) {
            case FIRST -> "first list: +" + added;
            case SINCE_PREVIOUS -> "since the last list: +" + added + " -" + removed;
            case NOT_COMPARED -> "not compared with the last list (dry run)";
        };
    }
}
