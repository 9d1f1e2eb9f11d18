package org.brickd.multipath;

import org.brickd.errors.BrickException;

/** multipathd refused a command or answered something brickd cannot read. */
public final class MultipathdException extends BrickException {

    public MultipathdException(String message) {
        super(Code.HOST_ERROR, message);
    }
}
