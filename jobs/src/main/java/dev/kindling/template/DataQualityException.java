package dev.kindling.template;

/** A data-quality check failed: exit 3, and nothing is published. */
public class DataQualityException extends RuntimeException {
    public DataQualityException(String message) {
        super(message);
    }
}
