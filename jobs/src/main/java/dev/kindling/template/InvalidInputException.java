package dev.kindling.template;

/** A parameter or an input that cannot work: exit 2, and nothing is written. */
public class InvalidInputException extends RuntimeException {
    public InvalidInputException(String message) {
        super(message);
    }
}
