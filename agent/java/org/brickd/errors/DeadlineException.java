package org.brickd.errors;

/** A bounded wait or a command ran past its deadline. */
public final class DeadlineException extends BrickException {

    public DeadlineException(String message) {
        super(Code.TIMEOUT, message);
    }
}
