package dev.kindling.dsl;

/**
 * An audience step was given a value it cannot use. The message is written for the analyst who typed
 * the step: it names the step, the parameter, the value given and what is allowed. It carries no stack
 * trace: the message says all there is, and the shell and the notebook then show the message alone,
 * not the DSL's inner frames under it.
 */
public class AudienceException extends IllegalArgumentException {

    public AudienceException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
