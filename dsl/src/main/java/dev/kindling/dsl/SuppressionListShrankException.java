package dev.kindling.dsl;

/**
 * The suppression list lost more of its users since a list's last mailing than its tables allow
 * ({@link Tables#suppressionsMaxLossPercent()}): more likely an overwrite gone wrong than that many people
 * asking to be mailed again, so the list is not published. A data-quality failure (a job exits 3), not a
 * mistake in the audience; the message says what to check and how to accept the shrink.
 */
public final class SuppressionListShrankException extends IllegalStateException {

    SuppressionListShrankException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
