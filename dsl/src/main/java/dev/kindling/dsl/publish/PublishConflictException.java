package dev.kindling.dsl.publish;

/**
 * Another writer published the same table, or the same partition, while this one was writing it:
 * nothing of this write was published. Transient: a retry writes on top of what the other published.
 */
public final class PublishConflictException extends RuntimeException {

    public PublishConflictException(String what, String publisher, Throwable cause) {
        super("another run published " + what + " while this run was writing it" + (publisher.isEmpty() ? "" : ": " + publisher)
                + "; nothing was published (a retry writes on top of it)", cause);
    }
}
