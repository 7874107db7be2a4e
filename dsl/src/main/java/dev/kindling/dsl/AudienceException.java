package dev.kindling.dsl;

/**
 * An audience step was given a value it cannot use. The message is written for the analyst who typed
 * the step: it names the step, the parameter, the value given and what is allowed.
 */
public class AudienceException extends IllegalArgumentException {

    public AudienceException(String message) {
        super(message);
    }
}
